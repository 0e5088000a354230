// The translation table (English and Portuguese, written to read well in Portugal and Brazil),
// the lens words, and `t(key, params)` in the current language. Every visible string is here.

import { saveLanguage, savedLanguage } from './saved.js';

/** @typedef {import('./protocol').Language} Language */
/** @typedef {import('./protocol').Lens} Lens */

/** @type {Record<Language, string>} Language names, each in its own language. */
export const LANGUAGE_NAMES = { en: 'English', pt: 'Português' };
/** @type {Language[]} */
export const LANGUAGES = ['en', 'pt'];
/** @type {Lens[]} */
export const LENSES = ['client', 'customer', 'partner', 'staff'];

/**
 * The words a lens puts into a sentence. `adj` is the word used before a noun
 * ("client feedback", "staff feedback"); `the` is the phrase after a verb.
 * @typedef {{ client: string, clients: string, clientAdj: string, theClient: string,
 *   centricity: string, centric: string }} LensWords
 */

/** @type {Record<Language, Record<Lens, LensWords>>} */
const LENS_WORDS = {
  en: {
    client: {
      client: 'client',
      clients: 'clients',
      clientAdj: 'client',
      theClient: 'the client',
      centricity: 'client-centricity',
      centric: 'client-centric',
    },
    customer: {
      client: 'customer',
      clients: 'customers',
      clientAdj: 'customer',
      theClient: 'the customer',
      centricity: 'customer-centricity',
      centric: 'customer-centric',
    },
    partner: {
      client: 'partner',
      clients: 'partners',
      clientAdj: 'partner',
      theClient: 'the partner',
      centricity: 'partner-centricity',
      centric: 'partner-centric',
    },
    staff: {
      client: 'staff member',
      clients: 'staff',
      clientAdj: 'staff',
      theClient: 'staff',
      centricity: 'staff-centricity',
      centric: 'staff-centric',
    },
  },
  pt: {
    client: {
      client: 'cliente',
      clients: 'clientes',
      clientAdj: 'cliente',
      theClient: 'o cliente',
      centricity: 'centralidade no cliente',
      centric: 'centrada no cliente',
    },
    customer: {
      client: 'consumidor',
      clients: 'consumidores',
      clientAdj: 'consumidor',
      theClient: 'o consumidor',
      centricity: 'centralidade no consumidor',
      centric: 'centrada no consumidor',
    },
    partner: {
      client: 'parceiro',
      clients: 'parceiros',
      clientAdj: 'parceiro',
      theClient: 'o parceiro',
      centricity: 'centralidade no parceiro',
      centric: 'centrada no parceiro',
    },
    staff: {
      client: 'colaborador',
      clients: 'colaboradores',
      clientAdj: 'colaborador',
      theClient: 'o colaborador',
      centricity: 'centralidade no colaborador',
      centric: 'centrada no colaborador',
    },
  },
};

const en = {
  'app.name': 'Horseshoe',
  'app.workshop': 'Exploring Client Centricity',

  'home.tagline': 'Run the workshop live, with the whole room on the same board.',
  'home.lead':
    'Create a room, share the link, and move everyone through the six steps together: check-ins, definitions, post-its, assessments and priorities.',
  'home.create': 'Create a workshop room',
  'home.title.placeholder': 'e.g. Q3 client workshop',
  'home.organisation.placeholder': 'e.g. Acme Ltd',
  'home.lens.help': 'The lens changes the words on every board, not the flow.',
  'home.submit': 'Create room',
  'home.submitting': 'Creating…',
  'home.error': 'The room could not be created: {message}',
  'home.steps': 'The six steps',

  'settings.heading': 'Room settings',
  'settings.title': 'Workshop title',
  'settings.organisation': 'Organisation',
  'settings.lens': 'Lens',
  'settings.language': 'Room language',
  'settings.group_size': 'Group size',
  'settings.group_size.help': 'People per group and team, 2 to 12.',
  'settings.apply': 'Apply changes',
  'settings.applied': 'Applied',

  'join.heading': 'Join the workshop',
  'join.facilitator': 'You are facilitating this room',
  'join.name': 'Your name',
  'join.name.placeholder': 'e.g. Ana',
  'join.name.help': 'Shown to the others next to what you write.',
  'join.submit': 'Join',
  'join.facilitator.submit': 'Open the room',
  'join.facilitator.default_name': 'Facilitator',
  'join.loading': 'One moment…',

  'error.title': 'This link is not valid',
  'error.no_room': 'No such room: the link may be mistyped or incomplete.',
  'error.bad_key': 'The facilitator key in this link is wrong.',
  'error.version': 'This page is out of date. Reload it to get the latest version.',
  'error.no_page': 'There is no page at this address.',
  'error.generic': 'The server refused the connection: {reason}',
  'error.home': 'Create a new room',

  'conn.connecting': 'Connecting…',
  'conn.online': 'Live',
  'conn.reconnecting': 'Reconnecting…',
  'conn.banner': 'Connection lost. Reconnecting… Your changes will be sent when it is back.',

  'role.facilitator': 'Facilitator',
  'role.participant': 'Participant',
  'role.viewer': 'Wall display',

  'room.untitled': 'Untitled workshop',
  'room.language': 'Language',
  'room.step_of': 'Step {n} of {total}',
  'room.now': 'Now',
  'room.back': 'Back',
  'room.next': 'Next',
  'room.go_to_step': 'Go to step {n}: {title}',
  'room.duration': 'About {n} min',
  'room.how': 'How it works',
  'room.board_pending': 'The facilitator leads this step. Its shared board will appear here.',

  'timer.heading': 'Time left',
  'timer.idle': 'No countdown',
  'timer.running': 'Running',
  'timer.paused': 'Paused',
  'timer.up': "Time's up",
  'timer.minutes': 'Minutes',
  'timer.start': 'Start',
  'timer.pause': 'Pause',
  'timer.resume': 'Resume',
  'timer.extend1': '+1 min',
  'timer.extend5': '+5 min',
  'timer.clear': 'Clear',

  'presence.heading': "Who's here",
  'presence.online.one': '{n} online',
  'presence.online.other': '{n} online',
  'presence.viewers.one': '{n} wall display',
  'presence.viewers.other': '{n} wall displays',
  'presence.you': 'you',
  'presence.offline': 'offline',
  'presence.empty': 'Nobody has joined yet.',
  'presence.rename': 'Rename',
  'presence.rename.ok': 'OK',
  'presence.rename.cancel': 'Cancel',

  'share.heading': 'Invite',
  'share.participant': 'Participant link',
  'share.participant.help': 'Send this to everyone taking part.',
  'share.viewer': 'Wall display link',
  'share.viewer.help': 'Read-only: for a projector or an observer.',
  'share.facilitator': 'Co-facilitator link',
  'share.facilitator.help': 'Full control. Share it only with co-facilitators.',
  'share.copy': 'Copy',
  'share.copied': 'Copied',

  'purpose.heading': 'Purpose of the session',
  'purpose.text': 'Explore and reflect on {centricity} in our organisation, and become more {centric}.',
  'definition.heading': 'A broad definition',
  'definition.text':
    "An approach to business that puts {theClient} at the centre of an organisation's philosophy, strategy and operations.",
  'definition.note': 'One formulation among many: the room will build its own.',

  'checkin.heading': 'Your check-in',
  'checkin.contribute': 'What I want to contribute',
  'checkin.get_out': 'What I want to get out of it',
  'checkin.contribute.placeholder': 'e.g. Stories from the service desk',
  'checkin.get_out.placeholder': 'e.g. Two things to change next quarter',
  'checkin.post': 'Post check-in',
  'checkin.update': 'Update check-in',
  'checkin.sending': 'Sending…',
  'checkin.posted': 'Posted',
  'checkin.list': 'Check-ins',
  'checkin.empty': 'No check-ins yet. They appear here as people post them.',
  'checkin.remove': 'Remove',
  'checkin.progress': 'Checked in: {n} of {total}',
  'checkin.waiting': 'Not checked in yet:',
  'checkin.all_in': 'Everyone has checked in.',

  'step.1.title': 'Purpose and check-in',
  'step.1.short': 'Check-in',
  'step.1.purpose': 'Agree why we are here, and hear what everyone brings and wants.',
  'step.1.now':
    'Read the purpose, then post your check-in: what you want to contribute, and what you want to get out of the workshop.',
  'step.1.how':
    "Read the purpose of the session and the broad definition of {centricity}.\nPost your check-in: what you want to contribute, and what you want to get out of it.\nRead the others' check-ins as they appear.",

  'step.2.title': 'An excellent {clientAdj} experience',
  'step.2.short': 'Experience',
  'step.2.purpose':
    'Find the key factors, words and principles that make an experience excellent for a {client}.',
  'step.2.now':
    'Recall an excellent experience you had as a {client}. When it is your turn, tell the room why it was so good.',
  'step.2.how':
    'Each person, in turn, recalls an excellent experience they had as a {client} and says why it was so good.\nThe facilitator captures the key factors, words and principles as short cards on the whiteboard.\nWhen two cards say the same thing they are merged, so the room sees which factors recur.',

  'step.3.title': 'Define {centricity} in one sentence',
  'step.3.short': 'Definition',
  'step.3.purpose': 'Build our own definition of {centricity}.',
  'step.3.now': 'With your group, write one sentence that defines {centricity}.',
  'step.3.how':
    "The facilitator forms small groups.\nEach group writes one sentence that defines {centricity}, on its own card.\nWhen time is up, every definition goes up on the wall and is read out one by one.\nHighlight the words and phrases that several definitions share: together they are the room's working definition.",

  'step.4.title': 'Who are our {clients}? "Help me…"',
  'step.4.short': 'Our {clients}',
  'step.4.purpose': 'Find the types of {clients} we serve, from the reasons they come to us.',
  'step.4.now': 'Write "Help me…" notes: the reasons {clients} buy our products and services.',
  'step.4.how':
    'On your own, write notes in the form "Help me…": the reasons {clients} buy our products and services (e.g. "Help me build stronger teams in my organisation").\nWhen the facilitator says so, stick your notes on the wall, one person at a time.\nGroup similar notes together into clusters, and name each cluster.\nEach cluster stands for a type of {client}.',

  'step.5.title': 'Assess the organisation for each {clientAdj} type',
  'step.5.short': 'Assessment',
  'step.5.purpose': 'See where we are already {centric}, and where we fall short, for each type of {client}.',
  'step.5.now':
    'With your team, give examples of when we have succeeded and when we have failed, for each of the six categories.',
  'step.5.how':
    'The facilitator splits the room into teams; each team takes one {clientAdj} type.\nFor each of the six categories below, write examples: when have we succeeded? When have we failed?\nOptionally, rate each category from 1 to 5.',
  'step.5.categories': 'The six categories of {centric} behaviour',
  'step.5.cat.1': 'We listen to {clientAdj} feedback based on their experience with us.',
  'step.5.cat.2': 'We design customised products and services around their needs.',
  'step.5.cat.3': 'We track the quality of their experience and treat it as more important than money.',
  'step.5.cat.4': 'We train staff in {clientAdj}-facing roles to have excellent interpersonal skills.',
  'step.5.cat.5': 'We continually enhance the service we provide, responding to changing needs.',
  'step.5.cat.6': 'We invest in growing relationships rather than chasing new accounts.',

  'step.6.title': 'Present and prioritise',
  'step.6.short': 'Priorities',
  'step.6.purpose': 'Share what each team learned, and agree where to improve first.',
  'step.6.now':
    "Prepare your team's key learnings (5 minutes), present them, then name and prioritise areas for improvement.",
  'step.6.how':
    'Each team prepares its key learnings in 5 minutes.\nEach team presents in turn, with its board shown to the whole room.\nThe room names areas for improvement, merges duplicates, and prioritises them by dot voting.\nOptionally, give each priority an owner and a date, so the work goes on after the session.',

  'reject.bad_request': 'That was not accepted.',
  'reject.unsupported_version': 'This page is out of date: please reload it.',
  'reject.unauthorized': 'You are not signed in to this room.',
  'reject.forbidden': 'Only a facilitator can do that.',
  'reject.not_found': 'That no longer exists.',
  'reject.gone': 'That was deleted.',
  'reject.too_long': 'That text is too long.',
  'reject.limit_reached': 'This room has reached its limit.',
  'reject.conflict': 'That clashed with a change someone else just made.',
  'reject.rate_limited': 'Too many changes at once: wait a moment.',
  'reject.internal': 'The server had a problem. Please try again.',
  'toast.dismiss': 'Dismiss',
};

/** @typedef {keyof typeof en} Key */

/** @type {Record<Key, string>} */
const pt = {
  'app.name': 'Horseshoe',
  'app.workshop': 'Explorar a centralidade no cliente',

  'home.tagline': 'Conduza o workshop ao vivo, com toda a sala no mesmo quadro.',
  'home.lead':
    'Crie uma sala, envie o link e conduza todos pelos seis passos, em conjunto: check-ins, definições, post-its, avaliações e prioridades.',
  'home.create': 'Criar uma sala de workshop',
  'home.title.placeholder': 'ex.: Workshop de clientes do 3.º trimestre',
  'home.organisation.placeholder': 'ex.: Acme',
  'home.lens.help': 'O foco muda as palavras em todos os quadros, não o fluxo.',
  'home.submit': 'Criar sala',
  'home.submitting': 'Criação em curso…',
  'home.error': 'Não foi possível criar a sala: {message}',
  'home.steps': 'Os seis passos',

  'settings.heading': 'Opções da sala',
  'settings.title': 'Título do workshop',
  'settings.organisation': 'Organização',
  'settings.lens': 'Foco',
  'settings.language': 'Idioma da sala',
  'settings.group_size': 'Tamanho dos grupos',
  'settings.group_size.help': 'Pessoas por grupo, de 2 a 12.',
  'settings.apply': 'Aplicar alterações',
  'settings.applied': 'Aplicado',

  'join.heading': 'Entrar no workshop',
  'join.facilitator': 'Facilitação desta sala',
  'join.name': 'O seu nome',
  'join.name.placeholder': 'ex.: Ana',
  'join.name.help': 'Aparece aos outros junto ao que escrever.',
  'join.submit': 'Entrar',
  'join.facilitator.submit': 'Abrir a sala',
  'join.facilitator.default_name': 'Facilitador',
  'join.loading': 'Um momento…',

  'error.title': 'Este link não é válido',
  'error.no_room': 'Sala inexistente: o link pode ter um erro ou estar incompleto.',
  'error.bad_key': 'A chave de facilitador deste link está errada.',
  'error.version': 'Esta página está desatualizada. Recarregue-a para obter a versão mais recente.',
  'error.no_page': 'Não existe nenhuma página neste endereço.',
  'error.generic': 'O servidor recusou a conexão: {reason}',
  'error.home': 'Criar uma sala nova',

  'conn.connecting': 'Conexão em curso…',
  'conn.online': 'Ao vivo',
  'conn.reconnecting': 'Reconexão em curso…',
  'conn.banner':
    'Sem conexão. Reconexão em curso… As suas alterações serão enviadas quando a conexão voltar.',

  'role.facilitator': 'Facilitador',
  'role.participant': 'Participante',
  'role.viewer': 'Vista de parede',

  'room.untitled': 'Workshop sem título',
  'room.language': 'Idioma',
  'room.step_of': 'Passo {n} de {total}',
  'room.now': 'Agora',
  'room.back': 'Voltar',
  'room.next': 'Avançar',
  'room.go_to_step': 'Ir para o passo {n}: {title}',
  'room.duration': 'Cerca de {n} min',
  'room.how': 'Como funciona',
  'room.board_pending': 'O facilitador conduz este passo. O quadro comum deste passo vai aparecer aqui.',

  'timer.heading': 'Tempo restante',
  'timer.idle': 'Sem contagem',
  'timer.running': 'Em curso',
  'timer.paused': 'Em pausa',
  'timer.up': 'Tempo esgotado',
  'timer.minutes': 'Minutos',
  'timer.start': 'Iniciar',
  'timer.pause': 'Pausar',
  'timer.resume': 'Retomar',
  'timer.extend1': '+1 min',
  'timer.extend5': '+5 min',
  'timer.clear': 'Limpar',

  'presence.heading': 'Quem está aqui',
  'presence.online.one': '{n} online',
  'presence.online.other': '{n} online',
  'presence.viewers.one': '{n} vista de parede',
  'presence.viewers.other': '{n} vistas de parede',
  'presence.you': 'eu',
  'presence.offline': 'offline',
  'presence.empty': 'Ninguém entrou até agora.',
  'presence.rename': 'Mudar o nome',
  'presence.rename.ok': 'OK',
  'presence.rename.cancel': 'Cancelar',

  'share.heading': 'Convidar',
  'share.participant': 'Link para participantes',
  'share.participant.help': 'Envie-o a todas as pessoas que vão participar.',
  'share.viewer': 'Link da vista de parede',
  'share.viewer.help': 'Só de leitura: para um projetor ou um observador.',
  'share.facilitator': 'Link para cofacilitadores',
  'share.facilitator.help': 'Acesso total à sala. Envie-o apenas a cofacilitadores.',
  'share.copy': 'Copiar',
  'share.copied': 'Copiado',

  'purpose.heading': 'Propósito da sessão',
  'purpose.text': 'Explorar e refletir sobre a {centricity} na nossa organização, e torná-la mais {centric}.',
  'definition.heading': 'Uma definição ampla',
  'definition.text':
    'Uma abordagem de negócio que coloca {theClient} no centro da filosofia, da estratégia e das operações de uma organização.',
  'definition.note': 'Uma formulação entre muitas: a sala vai construir a sua.',

  'checkin.heading': 'O seu check-in',
  'checkin.contribute': 'Com o que quero contribuir',
  'checkin.get_out': 'O que quero levar deste workshop',
  'checkin.contribute.placeholder': 'ex.: Histórias do dia a dia com {clients}',
  'checkin.get_out.placeholder': 'ex.: Duas coisas a mudar no próximo trimestre',
  'checkin.post': 'Publicar check-in',
  'checkin.update': 'Atualizar check-in',
  'checkin.sending': 'Envio em curso…',
  'checkin.posted': 'Publicado',
  'checkin.list': 'Check-ins',
  'checkin.empty': 'Sem check-ins até agora. Aparecem aqui à medida que são publicados.',
  'checkin.remove': 'Remover',
  'checkin.progress': 'Check-in feito: {n} de {total}',
  'checkin.waiting': 'Sem check-in até agora:',
  'checkin.all_in': 'Todos fizeram o check-in.',

  'step.1.title': 'Propósito e check-in',
  'step.1.short': 'Check-in',
  'step.1.purpose': 'Alinhar o propósito da sessão e ouvir o que cada pessoa traz e procura.',
  'step.1.now':
    'Leia o propósito e depois publique o seu check-in: com o que quer contribuir e o que quer levar deste workshop.',
  'step.1.how':
    'Leia o propósito da sessão e a definição ampla de {centricity}.\nPublique o seu check-in: com o que quer contribuir e o que quer levar deste workshop.\nLeia os check-ins das outras pessoas à medida que aparecem.',

  'step.2.title': 'Uma experiência excelente como {client}',
  'step.2.short': 'Experiência',
  'step.2.purpose':
    'Encontrar os fatores, as palavras e os princípios que tornam uma experiência excelente para um {client}.',
  'step.2.now':
    'Lembre-se de uma experiência excelente que teve como {client}. Quando for a sua vez, conte à sala o que a tornou tão boa.',
  'step.2.how':
    'Cada pessoa, uma de cada vez, recorda uma experiência excelente que teve como {client} e diz o que a tornou tão boa.\nO facilitador anota os fatores, as palavras e os princípios-chave em cartões curtos no quadro.\nQuando dois cartões dizem o mesmo, juntam-se num só, e a sala vê que fatores se repetem.',

  'step.3.title': 'Definir a {centricity} numa frase',
  'step.3.short': 'Definição',
  'step.3.purpose': 'Construir a nossa própria definição de {centricity}.',
  'step.3.now': 'Com o seu grupo, escreva uma frase que defina a {centricity}.',
  'step.3.how':
    'O facilitador forma pequenos grupos.\nCada grupo escreve, no seu próprio cartão, uma frase que defina a {centricity}.\nQuando o tempo acaba, todas as definições vão para a parede e são lidas uma a uma.\nDestaque as palavras e expressões comuns a várias definições: juntas, são a definição de trabalho da sala.',

  'step.4.title': 'Quem são os nossos {clients}? "Ajude-me a…"',
  'step.4.short': 'Os nossos {clients}',
  'step.4.purpose':
    'Descobrir os tipos de {clients} que servimos, a partir das razões que os trazem até nós.',
  'step.4.now':
    'Escreva notas "Ajude-me a…": as razões pelas quais os {clients} compram os nossos produtos e serviços.',
  'step.4.how':
    'Individualmente, escreva notas na forma "Ajude-me a…": as razões pelas quais os {clients} compram os nossos produtos e serviços (por exemplo, "Ajude-me a fortalecer os grupos de trabalho da minha organização").\nQuando o facilitador indicar, cole as suas notas na parede, uma pessoa de cada vez.\nJunte as notas semelhantes em grupos e dê um nome a cada grupo.\nCada grupo de notas representa um tipo de {client}.',

  'step.5.title': 'Avaliar a organização para cada tipo de {client}',
  'step.5.short': 'Avaliação',
  'step.5.purpose': 'Ver onde a organização já é {centric} e onde fica aquém, para cada tipo de {client}.',
  'step.5.now': 'Com o seu grupo, dê exemplos de sucessos e de falhas em cada uma das seis categorias.',
  'step.5.how':
    'O facilitador divide a sala em grupos; cada grupo fica com um tipo de {client}.\nPara cada uma das seis categorias abaixo, escreva exemplos de sucesso e de falha.\nOpcionalmente, atribua a cada categoria uma nota de 1 a 5.',
  'step.5.categories': 'As seis categorias de comportamento {centric}',
  'step.5.cat.1': 'Ouvimos a opinião dos {clients} sobre a experiência que têm com a nossa organização.',
  'step.5.cat.2': 'Criamos produtos e serviços adaptados às suas necessidades.',
  'step.5.cat.3':
    'Acompanhamos a qualidade da sua experiência, que para nós é mais importante do que o dinheiro.',
  'step.5.cat.4':
    'Capacitamos as pessoas em funções que lidam com {clients} para terem excelentes competências interpessoais.',
  'step.5.cat.5': 'Melhoramos continuamente o serviço que prestamos, em resposta a necessidades em mudança.',
  'step.5.cat.6': 'Investimos em fazer crescer as relações, em vez de correr atrás de novas contas.',

  'step.6.title': 'Apresentar e definir prioridades',
  'step.6.short': 'Prioridades',
  'step.6.purpose': 'Mostrar o que cada grupo aprendeu e decidir onde melhorar primeiro.',
  'step.6.now':
    'Prepare as principais conclusões do seu grupo (5 minutos), apresente-as e, depois, identifique áreas de melhoria e defina prioridades.',
  'step.6.how':
    'Cada grupo prepara as suas principais conclusões em 5 minutos.\nOs grupos apresentam um de cada vez, com o seu quadro mostrado a toda a sala.\nA sala identifica áreas de melhoria, junta as repetidas e define prioridades por votação com pontos.\nOpcionalmente, atribua a cada prioridade um responsável e uma data, para que o trabalho continue depois da sessão.',

  'reject.bad_request': 'O pedido foi recusado.',
  'reject.unsupported_version': 'Esta página está desatualizada: recarregue-a.',
  'reject.unauthorized': 'Não tem acesso a esta sala.',
  'reject.forbidden': 'Só um facilitador pode fazer isso.',
  'reject.not_found': 'Isso deixou de existir.',
  'reject.gone': 'Isso foi apagado.',
  'reject.too_long': 'Esse texto excede o tamanho máximo.',
  'reject.limit_reached': 'Esta sala atingiu o seu limite.',
  'reject.conflict': 'Isso entrou em conflito com uma alteração feita agora mesmo por outra pessoa.',
  'reject.rate_limited': 'Muitas alterações seguidas: aguarde um momento.',
  'reject.internal': 'O servidor teve um problema. Tente novamente.',
  'toast.dismiss': 'Fechar',
};

/** @type {Record<Language, Record<Key, string>>} */
const TABLES = { en, pt };

/** Keys that come in `.one` / `.other` pairs, for `tn`. */
/** @typedef {{ [K in Key]: K extends `${infer B}.one` ? B : never }[Key]} PluralKey */

/** @typedef {Record<string, string | number>} Params */

/** @type {Language | null} */
let chosen = savedLanguage();
/** @type {Language | null} */
let roomLanguage = null;
/** @type {Lens} */
let roomLens = 'client';
/** @type {Set<() => void>} */
const listeners = new Set();

/** @returns {Language} the language strings are shown in now */
export function language() {
  return chosen ?? roomLanguage ?? (navigator.language.toLowerCase().startsWith('pt') ? 'pt' : 'en');
}

/** @returns {Lens} the lens words are shown in now */
export function lens() {
  return roomLens;
}

/**
 * This person's own choice: kept in this browser, wins over the room's language.
 * @param {Language} lang
 */
export function setLanguage(lang) {
  chosen = lang;
  saveLanguage(lang);
  applyDocumentLanguage();
  for (const fn of listeners) fn();
}

/**
 * The room's defaults (its language, used when the person has not chosen one, and its lens).
 * The caller re-renders; no listener is told.
 * @param {Language | null} lang
 * @param {Lens} roomLensValue
 */
export function setRoomDefaults(lang, roomLensValue) {
  roomLanguage = lang;
  roomLens = roomLensValue;
  applyDocumentLanguage();
}

/**
 * @param {() => void} fn called after this person switches language
 * @returns {() => void} stops calling it
 */
export function onLanguageChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function applyDocumentLanguage() {
  document.documentElement.lang = language();
}

/** @param {string} word */
function capitalise(word) {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/**
 * The lens words of `lensValue` in the current language, plus capitalised forms
 * (`{Client}`, `{Centricity}`...).
 * @param {Lens} lensValue
 * @returns {Params}
 */
function lensParams(lensValue) {
  /** @type {Params} */
  const params = {};
  for (const [name, word] of Object.entries(LENS_WORDS[language()][lensValue])) {
    params[name] = word;
    params[capitalise(name)] = capitalise(word);
  }
  return params;
}

/**
 * The string for `key` in the current language, with `{name}` filled from `params` and from
 * the room's lens words.
 * @param {Key} key
 * @param {Params} [params]
 */
export function t(key, params = {}) {
  const all = { ...lensParams(roomLens), ...params };
  return TABLES[language()][key].replace(/\{(\w+)\}/g, (whole, name) =>
    name in all ? String(all[name]) : whole,
  );
}

/**
 * Whether the table has `key` (for keys built from server data, such as an error code).
 * @param {string} key
 * @returns {key is Key}
 */
export function hasKey(key) {
  return key in en;
}

/**
 * A counted string: `{base}.one` for 1, `{base}.other` otherwise, with `{n}` filled.
 * @param {PluralKey} base
 * @param {number} n
 */
export function tn(base, n) {
  /** @type {Key} */
  const key = n === 1 ? `${base}.one` : `${base}.other`;
  return t(key, { n });
}

/**
 * How a lens is named in a picker: "Partner-centricity", "Centralidade no parceiro".
 * @param {Lens} lensValue
 */
export function lensLabel(lensValue) {
  return String(lensParams(lensValue).Centricity);
}

/**
 * The steps' text keys, so views can ask for "step 3's title" by number.
 * @param {number} step 1 to 6
 * @param {'title' | 'short' | 'purpose' | 'now' | 'how'} part
 */
export function stepText(step, part) {
  return t(/** @type {Key} */ (`step.${step}.${part}`));
}

applyDocumentLanguage();
