// QR codes for the projector's join screen, as a matrix of modules (drawn as SVG by the page).
export { encode } from 'uqr';
