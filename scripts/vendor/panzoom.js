// Pan and zoom of the step 4 wall: mouse, wheel, trackpad pinch, and touch pinch and pan.
export { default } from '@panzoom/panzoom';
