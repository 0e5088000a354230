// The translation table (English and Portuguese, written to read well in Portugal and Brazil),
// the lens words, and `t(key, params)` in the current language. Every visible string is here.

import { batch, signal } from '../vendor/preact.js';
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
  'report.workshop': 'Exploring {Centricity}',

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
  'home.create_key': 'Create key',
  'home.create_key.help': 'This server makes rooms only for people with its create key: ask whoever runs it.',
  'home.create_key.wrong': 'That create key is not right.',
  'home.too_many': 'Too many rooms were created from your network just now: try again in a minute.',

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
  'join.refused': 'The room did not take that name: {reason}',
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
  'text.edit.hint': 'Click to edit',
  'text.edit.aria': '{label}: {text}. Edit',
  'text.edit.empty': 'Empty: click to write',
  'text.writing.single': '{name} is writing',
  'text.writing.several': '{names} are writing',
  'text.too_long': 'This text holds {n} characters at most.',
  'paste.cut': 'Only {n} characters fit here: the end of what you pasted was left out.',
  'text.refused.too_long': 'That would make the text too long: your last words were taken back.',
  'text.refused': 'Your last words were not kept: {message}',
  'conn.online': 'Live',
  'conn.reconnecting': 'Reconnecting…',
  'conn.not_sent': 'Not sent: you are offline. Try again once you are back.',
  'conn.banner': 'Connection lost. Reconnecting… Your changes will be sent when it is back.',
  'conn.unsent.one': 'Kept to send: {n} item',
  'conn.unsent.other': 'Kept to send: {n} items',
  'conn.unsent_more': 'and {n} more',

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
  'device.open': 'Another device',
  'device.help': 'Scan this with your phone, or open the link on another computer, to go on there as yourself.',
  'device.qr': 'QR code of your own link',
  'device.close': 'Done',
  'share.device': 'Your own link',
  'share.device.help': 'Whoever opens it takes part as you: keep it to yourself.',

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
  'step.3.now_wall': 'Listen as each group’s sentence is read out, and select the words you hear in more than one to highlight them.',
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
  'wall.moved_meanwhile': 'Someone else moved that note meanwhile: it stays where they put it.',
  'reject.rate_limited': 'Too many changes at once: wait a moment.',
  'reject.internal': 'The server had a problem. Please try again.',
  'toast.dismiss': 'Dismiss',

  'note.prefix': 'Help me',
  'note.heading': 'Your "Help me…" notes',
  'note.placeholder': 'build stronger teams in my organisation',
  'note.input.label': 'New note: {prefix}…',
  'note.add': 'Add note',
  'note.private': 'Private until the facilitator reveals them: {n}.',
  'note.none_private': 'One reason per note. Only you see your notes until the facilitator reveals them.',
  'note.placed': 'On the wall: {n}.',
  'note.edit': 'Edit',
  'note.edit.aria': 'Edit "{text}"',
  'note.edit.label': 'Edit the note',
  'note.delete': 'Delete',
  'note.delete.aria': 'Delete "{text}"',
  'note.save': 'Save',
  'note.cancel': 'Cancel',

  'reveal.heading': 'Reveal the notes',
  'reveal.heading.participant': 'Still private',
  'reveal.help': 'Reveal one person at a time, so they can place their notes, or everyone at once.',
  'reveal.help.participant':
    'Notes written but not revealed yet. The facilitator reveals them one person at a time.',
  'reveal.all': 'Reveal all',
  'reveal.person': 'Reveal',
  'reveal.person.aria': "Reveal {name}'s notes",
  'reveal.count.one': '{n} note',
  'reveal.count.other': '{n} notes',
  'reveal.nobody': 'No private notes waiting.',
  'turn.you': 'Your notes are on the wall: drag each one next to similar notes.',
  'turn.other':
    "{name}'s notes are on the wall: {name} places them next to similar notes, and anyone can help.",

  'wall.label': 'The wall of "Help me…" notes',
  'wall.canvas': 'Wall',
  'wall.help':
    'Drag a note to move it; drop it onto another note to start a cluster. Drag the background to pan; zoom with the wheel, a pinch or the zoom buttons. With the wall focused, arrow keys pan and + and − zoom. The list view does everything from the keyboard.',
  'wall.view': 'Show the wall as',
  'wall.view.wall': 'Wall',
  'wall.view.list': 'List',
  'wall.count': 'Notes: {notes} · Clusters: {clusters}',
  'wall.zoom': 'Zoom',
  'wall.zoom_in': 'Zoom in',
  'wall.zoom_out': 'Zoom out',
  'wall.fit': 'Fit',
  'wall.fit.aria': 'Fit every note in view',
  'wall.wheel_hint': 'Hold Ctrl while scrolling to zoom, or click the wall first',
  'wall.expand': 'Full screen',
  'wall.collapse': 'Exit full screen',
  'wall.empty': 'No notes on the wall yet. They appear here when the facilitator reveals them.',
  'wall.cluster.unnamed': 'Unnamed cluster',
  'wall.cluster.aria.one': '{name}, {n} note: rename, merge or dissolve',
  'wall.cluster.aria.other': '{name}, {n} notes: rename, merge or dissolve',
  'wall.cluster.name': 'Cluster name',
  'wall.cluster.name.placeholder': 'e.g. Team leaders',
  'wall.cluster.save': 'Save',
  'wall.cluster.merge': 'Merge into another cluster',
  'wall.cluster.merge.choose': 'Merge into…',
  'wall.cluster.merge.do': 'Merge',
  'wall.cluster.dissolve': 'Dissolve',
  'wall.cluster.split_help': 'To split it, drag notes out.',

  'hint.looks_like': 'Looks like:',
  'hint.add': 'Add',
  'hint.add.aria': 'Add "{text}" to {name}',
  'hint.dismiss': 'Dismiss the suggestion',

  'list.by': 'by {name}',
  'list.cluster_of': 'Cluster',
  'list.no_cluster': 'No cluster',
  'list.new_cluster': 'New cluster with another note…',
  'list.partner_label': 'Start a cluster of "{text}" with',
  'list.partner_choose': 'Choose a note…',
  'list.move_label': 'Cluster of "{text}"',
  'list.loose': 'Not in a cluster',
  'list.count.one': '{n} note',
  'list.count.other': '{n} notes',
  'list.rename_label': 'Name of the cluster {name}',
  'list.merge_label': 'Merge {name} into',
  'list.announce.revealed': 'Notes revealed: {n}.',
  'list.announce.moved': '"{text}" is now in {name}.',
  'list.announce.loose': '"{text}" left its cluster.',
  'list.announce.renamed': '{old} is now called {name}.',

  'team.name': 'Team {n}',
  'team.members': 'Members',
  'team.empty': 'Nobody yet',
  'team.yours.badge': 'yours',
  'team.waiting': 'You are not in a team yet: the facilitator will put you in one.',
  'team.client_type': '{Client} type: {name} · notes: {n}',
  'team.client_type.short': '{Client} type',
  'team.client_type.notes': 'Notes of this type: {n}',
  'team.client_type.label': '{Client} type of team {n}',
  'team.client_type.none': 'Not chosen yet',
  'team.no_client_type': 'No {clientAdj} type chosen yet.',
  'teams.heading': 'Teams',
  'teams.help': 'Each team takes one {clientAdj} type: a cluster from step 4.',
  'teams.from_groups': 'Use the step 3 groups',
  'teams.no_groups': 'There were no groups in step 3.',
  'teams.form': 'Form teams',
  'teams.form_again': 'Form new teams',
  'teams.form_again.confirm': 'Replace the teams?',
  'teams.none': 'No teams yet.',
  'teams.unplaced': 'Not in a team',
  'teams.move.label': 'Team of {name}',
  'teams.move.choose': 'Choose a team…',
  'teams.move.new': 'New team',

  'board.succeeded': 'When have we succeeded?',
  'board.failed': 'When have we failed?',
  'board.add': 'Add an example',
  'board.add.placeholder.succeeded': 'A time we got it right…',
  'board.add.placeholder.failed': 'A time we fell short…',
  'board.add.label': 'New example, {column} (category {n})',
  'board.add.save': 'Add',
  'board.add.enter': 'Enter adds it; Shift+Enter starts a new line.',
  'board.card.label': 'Example',
  'board.column.empty': 'No examples yet',
  'board.card.move': 'Move to',
  'board.short.succeeded': 'Succeeded',
  'board.short.failed': 'Failed',
  'board.card.delete.confirm': 'Delete?',
  'board.rating.aria': 'Rating of category {n}: {value} of 5',
  'board.rating.set': 'Rate {n} of 5',
  'board.rating.clear': 'Clear the rating',
  'board.rating.none': 'Not rated',
  'board.readonly': "Another team's board: you can look, only its members can change it.",
  'board.readonly.viewer': 'Read-only view.',
  'board.no_team': 'No team',

  'overview.tab': 'All teams',
  'overview.tabs': 'Team boards',
  'overview.open': 'Open board',
  'overview.category': 'Category',
  'overview.rating': 'Rating',
  'overview.progress': 'Examples: {n} · Rated: {rated} of 6',
  'overview.legend': '✓ examples of success · ✗ examples of failure · ★ the team’s rating, 1 to 5',

  'present.who': 'Presenting',
  'present.nobody': 'Nobody',
  'present.now': 'Now presenting: {team}',
  'present.step_out': 'Step out',
  'present.away': '{team} is presenting. You stepped out to look around.',
  'present.back': 'Back to presenter',
  'present.none': "Nobody is presenting: look at any team's board.",
  'present.no_teams': 'There are no teams yet: they are formed in step 5.',
  'present.look_at': "Look at a team's board",
  'present.badge': 'presenting',

  'area.heading': 'Areas for improvement',
  'area.help': 'Name what to improve: from a failure card (its "+ Area" button) or in your own words.',
  'area.new': 'New area for improvement',
  'area.placeholder': 'e.g. Act on {clientAdj} feedback within a month',
  'area.add': 'Add',
  'area.none': 'No areas yet.',
  'area.origin.card': 'From a failure of {team} · proposed by {name}',
  'area.origin.new': 'Proposed by {name}',
  'area.from_card': 'Area',
  'area.from_card.aria': 'Propose this failure as an area for improvement',
  'area.from_card.done': 'Proposed as an area',
  'area.merge': 'Merge into…',
  'area.merge.label': 'Merge "{text}" into another area',
  'area.edit.label': 'Area for improvement',
  'area.delete.confirm': 'Delete?',

  'vote.dots': 'Dots each',
  'vote.open': 'Open the vote',
  'vote.reopen': 'Vote again',
  'vote.reopen.help': 'A new vote starts from zero.',
  'vote.open_now': 'Voting open',
  'vote.close': 'Close the vote',
  'vote.closed': 'The vote is closed.',
  'vote.used': 'Your dots: {used} of {dots} placed.',
  'vote.who': 'Dots placed:',
  'vote.for': 'Your dots on "{text}"',
  'vote.add': 'Add a dot',
  'vote.remove': 'Take a dot back',
  'vote.mine.one': '{n} dot',
  'vote.mine.other': '{n} dots',
  'vote.tally.one': '{n} dot',
  'vote.tally.other': '{n} dots',

  'rank.heading': 'Priorities',
  'rank.help':
    'Ranked by dots. The facilitator can reorder and finalise the list; give each priority an owner and a due date.',
  'rank.draft': 'Draft',
  'rank.final': 'Final',
  'rank.finalise': 'Finalise the list',
  'rank.unlock': 'Unlock to reorder',
  'rank.up': 'Move "{text}" up',
  'rank.down': 'Move "{text}" down',

  'follow.owner': 'Owner',
  'follow.owner.placeholder': 'A name',
  'follow.owner.label': 'Owner of "{text}"',
  'follow.due': 'Due',
  'follow.due.label': 'Due date of "{text}"',
  'follow.owner.ro': 'Owner: {name}',
  'follow.due.ro': 'Due: {date}',
  'follow.none': 'No owner yet.',

  'export.heading': 'Report and wrap-up',
  'export.help': "Every step's outcome: a printable report, and files for people and machines.",
  'export.printable': 'Printable report',
  'export.format.md': 'Markdown',
  'export.format.json': 'JSON',
  'export.format.csv': 'CSV',
  'export.fetching': 'Preparing the download…',
  'export.saved': '{format} downloaded.',
  'export.failed': 'The report could not be downloaded: {reason}',
  'again.heading': 'Run it again',
  'again.help': 'A new, empty room with the same title, lens, language and group size.',
  'again.button': 'Run it again',
  'again.making': 'Creating the new room…',
  'again.made': 'The new room is ready. Keep the facilitator link to yourself.',
  'again.open': 'Open the new room',
  'again.failed': 'The new room could not be created: {reason}',
  'closed.heading': 'Close the room',
  'closed.help':
    'When the session is over, close the room: everyone can still read it, nobody can change it.',
  'closed.is_closed': 'The room is closed: read-only for everyone.',
  'closed.close': 'Close room',
  'closed.confirm': 'Close the room for everyone? Nothing can be changed until you reopen it.',
  'closed.close.yes': 'Close it',
  'closed.reopen': 'Reopen room',
  'closed.banner': 'This room is closed: everything stays readable, nothing can be changed.',
  'closed.readonly': 'The room is closed: read-only.',
  'closed.no_join': 'This room is closed: you can read it, but nobody new can join it.',

  'report.heading': 'Report',
  'report.print': 'Print',
  'report.back': 'Back to the room',
  'report.loading': 'Loading the report…',
  'report.no_key': 'This report link has no facilitator key.',
  'report.failed': 'The report could not be loaded: {reason}',
  'report.generated': 'Generated {when}',
  'report.lens': 'Lens: {lens}',
  'report.people': 'Participants: {n}',
  'report.name': 'Name',
  'report.mentions.one': 'Named once',
  'report.mentions.other': 'Named {n} times',
  'report.group': 'Group {n}',
  'report.common': 'Common words and phrases',
  'report.common.counts': '(definitions: {defs} · highlights: {hl})',
  'report.working': 'Working definition',
  'report.area': 'Area for improvement',
  'report.votes': 'Dots',
  'report.ranking.final': 'The final list of priorities, most important first.',
  'report.ranking.draft': 'The list of priorities, most important first (not finalised).',
  'report.ranking.none': 'Not voted on.',
  'report.dots_each.one': 'Each person had {n} dot.',
  'report.dots_each.other': 'Each person had {n} dots.',
  'report.none.checkins': 'No check-ins.',
  'report.none.factors': 'No key factors.',
  'report.none.definitions': 'No definitions.',
  'report.none.working': 'No working definition.',
  'report.none.behaviour': '(nothing recorded)',
  'report.none.notes': 'No notes were revealed.',
  'report.none.teams': 'No teams.',
  'report.none.areas': 'No areas for improvement.',

  'who.someone': 'Someone',

  'queue.heading': 'Speaker queue',
  'queue.now': 'Speaking now',
  'queue.order': 'Order',
  'queue.empty': 'Participants appear here as they join.',
  'queue.empty_short': 'Nobody has joined yet',
  'queue.nobody': 'Nobody yet',
  'queue.next_is': 'Next: {name}',
  'queue.all_spoken': 'Everyone has spoken.',
  'queue.spoken_count': '{n} of {total} have spoken',
  'queue.start': 'Call the first speaker',
  'queue.next': 'Next speaker',
  'queue.shuffle': 'Shuffle',
  'queue.call': 'Call',
  'queue.call_name': 'Call {name} now',
  'queue.up': 'Move {name} up',
  'queue.down': 'Move {name} down',
  'queue.speaking': 'Speaking',
  'queue.spoke': 'Spoke',
  'queue.next_up': 'Next',
  'queue.scribe': 'Scribe',
  'queue.scribe.help': 'A participant who runs the queue and writes the cards with you.',
  'queue.no_scribe': 'No scribe',
  'queue.you_are_scribe': 'You are the scribe: call the speakers and capture their key factors.',
  'queue.scribe_is': '{name} is the scribe.',

  'factors.heading': 'Key factors',
  'factors.total': 'Mentions in all: {n}',
  'factors.open': 'Everyone can add cards',
  'factors.state.open': 'The board is open: everyone can add cards, and edit or delete their own.',
  'factors.state.closed': 'The facilitator captures the key factors as people speak.',
  'factors.state.scribe': 'The facilitator and {name} capture the key factors as people speak.',
  'factors.placeholder': 'A key factor, word or principle, e.g. "They listened"',
  'factors.add_label': 'New key factor',
  'factors.add': 'Add card',
  'factors.tagged': 'New cards are tagged with {name}, who is speaking.',
  'factors.untagged': 'Nobody is speaking: new cards are not tagged with a speaker.',
  'factors.merge_hint': 'Two cards say the same thing? Drag one onto the other, or use "Merge into…".',
  'factors.empty': 'No key factors yet. They appear here as the room names them.',
  'factors.empty.writer': 'No key factors yet. Add the first one above.',
  'factors.edit': 'Edit',
  'factors.edit_label': 'Edit the card',
  'factors.delete': 'Delete',
  'factors.merge_into': 'Merge into…',
  'factors.mentions': 'Named {n}×',
  'factors.named_by': 'Named by {names}',
  'factors.most_named': 'Most named',
  'factors.most_named.empty': 'The factors named most often rise to the top here.',

  'groups.heading': 'Groups',
  'groups.form': 'Form groups',
  'groups.reform': 'Form again',
  'groups.reform.confirm': 'Reshuffle everyone?',
  'groups.help':
    'Participants here: {n}. Groups of {size} at most, balanced and random; adjust them afterwards.',
  'groups.nobody': 'Nobody is here to put in groups yet.',
  'groups.summary':
    'Groups: {n}, of {size} at most. Drag people between groups, or use the menu on each person.',
  'groups.group': 'Group {n}',
  'groups.outside': 'Not in a group:',
  'groups.move': 'Move…',
  'groups.place': 'Place…',
  'groups.move_label': 'Move {name} to another group',
  'groups.to_group': 'To group {n}',
  'groups.to_new': 'To a new group',
  'groups.new': 'new',
  'groups.new.title': 'Joined late and placed by Horseshoe in the smallest group (moving them clears this)',
  'groups.new_group': 'New group',
  'groups.new_group.help': 'Drop someone here to start a group.',
  'groups.waiting': 'Waiting for the facilitator to form groups.',
  'groups.not_in': 'You are not in a group yet: the facilitator will put you in one.',

  'sheet.title': 'Group {n}: our definition',
  'sheet.label': "Group {n}'s definition of {centricity}",
  'sheet.placeholder': '{Centricity} is…',
  'sheet.free': 'Write here together: everyone in the group can type at once, and sees the others live.',
  'sheet.written_by': 'Written by {names}',

  'def.all_groups': "The groups' definitions",
  'def.other_groups': "Other groups' definitions",
  'def.nothing_yet': 'Nothing written yet',
  'def.none.facilitator': 'Form groups to start: each group writes one sentence.',

  'defwall.show': 'Put the definitions up on the wall',
  'defwall.show.help': "When time is up, show every group's sentence side by side and read them out.",
  'defwall.hide': 'Back to writing',
  'defwall.heading': 'The wall',
  'defwall.reading': 'Reading out group {n}',
  'defwall.not_reading': 'Read the definitions out one by one.',
  'defwall.reading_now': 'Reading now',
  'defwall.read_this': 'Read this one',
  'defwall.start': 'Read the first',
  'defwall.prev': 'Previous',
  'defwall.next': 'Next',
  'defwall.highlight_help': 'Select a word or phrase in any definition, then press "Highlight".',
  'defwall.highlight': 'Highlight',
  'defwall.highlighted_by': 'Highlighted by {names}',
  'defwall.remove_highlight': 'Remove highlight',

  'common.heading': 'Common words and phrases',
  'common.help': 'Suggested by Horseshoe from every definition, with how many people highlighted each.',
  'common.empty': 'Words that several definitions share appear here.',
  'common.in_defs.one': 'in {n} definition',
  'common.in_defs.other': 'in {n} definitions',
  'common.in_defs.title': 'How many groups used it',
  'common.highlights.one': '{n} highlight',
  'common.highlights.other': '{n} highlights',
  'common.highlights.title': 'How many highlights cover it',

  'working.heading': 'Our working definition',
  'working.banner': 'Our working definition',
  'working.empty': "The facilitator turns the highlighted words into the room's working definition.",
  'working.empty.facilitator':
    "Turn the highlighted words into the room's working definition of {centricity}.",
  'working.label': 'Working definition',
  'working.placeholder': 'e.g. Putting {clients} at the heart of every decision.',
  'working.suggest': 'Start from the highlights',
  'working.set': 'Set as working definition',
  'working.update': 'Update working definition',
  'working.edit': 'Edit',

  'ready.heading': 'This step',
  'ready.heading.room': 'Done with this step',
  'ready.mark': "I'm done",
  'ready.done': "Done: I've finished this step",
  'ready.unmark': 'Click if you are still working',
  'ready.count': '{n} of {total} said they are done',
  'ready.still': 'Not yet:',
  'ready.all': 'Everyone is done.',
  'ready.auto': 'Move on when everyone is done',
  'ready.auto.on': 'The room goes to the next step as soon as every participant here is done.',
  'ready.auto.off': 'You move the room on yourself.',

  'undo.button': 'Undo {what}',
  'undo.plain': 'Undo',
  'undo.shortcut': 'Undo your last change in this step (Ctrl+Z)',
  'redo.button': 'Redo {what}',
  'redo.plain': 'Redo',
  'redo.shortcut': 'Redo what you undid (Ctrl+Shift+Z)',
  'undo.conflict': '{name} changed this since; nothing was undone',
  'undo.conflict.someone': 'Someone changed this since; nothing was undone',
  'redo.conflict': '{name} changed this since; nothing was redone',
  'redo.conflict.someone': 'Someone changed this since; nothing was redone',
  'undo.words': '{name} wrote in this too; nothing was undone',
  'redo.words': '{name} wrote in this too; nothing was redone',
  'undo.vote_open': 'Areas stay while the vote is open; nothing was undone',
  'redo.vote_open': 'Areas stay while the vote is open; nothing was redone',
  'undo.nothing': 'Nothing of yours to undo in this step.',
  'redo.nothing': 'Nothing of yours to redo in this step.',
  'undo.what.factor.add': 'key factor',
  'undo.what.note.add': 'note',
  'undo.what.team.cluster': '{client} type choice',
  'undo.what.card.add': 'example',
  'undo.what.rating.set': 'rating',
  'undo.what.area.add': 'area',
  'undo.what.area.follow_up': 'owner and date',
  'undo.what.checkin.set': 'check-in',
  'undo.what.checkin.clear': 'check-in removal',
  'undo.what.factor.delete': 'card deletion',
  'undo.what.factor.merge': 'card merge',
  'undo.what.groups.form': 'forming groups',
  'undo.what.group.move': 'group move',
  'undo.what.highlight.add': 'highlight',
  'undo.what.highlight.remove': 'highlight removal',
  'undo.what.working.set': 'working definition',
  'undo.what.note.edit': 'note edit',
  'undo.what.note.delete': 'note deletion',
  'undo.what.note.drop': 'note move',
  'undo.what.cluster.rename': 'cluster name',
  'undo.what.cluster.merge': 'cluster merge',
  'undo.what.cluster.dissolve': 'cluster split',
  'undo.what.teams.from_groups': 'forming teams',
  'undo.what.teams.form': 'forming teams',
  'undo.what.team.move': 'team move',
  'undo.what.card.move': 'example move',
  'undo.what.card.delete': 'example deletion',
  'undo.what.area.delete': 'area deletion',
  'undo.what.area.merge': 'area merge',
  'undo.what.ranking.set': 'ranking change',

  'part.heading': 'Participation',
  'part.person': 'Person',
  'part.here': 'Here',
  'part.here.title': 'Connected now',
  'part.here_count': '{n} of {total} here',
  'part.checkin': 'Check-in',
  'part.checkin.title': 'Checked in (step 1)',
  'part.spoke': 'Spoke',
  'part.spoke.title': 'Has spoken in the speaker queue (step 2)',
  'part.cards': 'Cards',
  'part.cards.title': 'Key-factor cards this person wrote (step 2)',
  'part.contributions': 'Edits',
  'part.contributions.title':
    'Everything they wrote: check-ins, cards, definition edits, highlights, post-its…',
  'part.ready': 'Done',
  'part.ready.title': 'Marked "I\'m done" for this step',
  'part.silent': 'Silent so far ({n}):',
  'part.nobody_silent': 'Everyone has spoken or written something.',
  'drag.role': 'draggable',
  'drag.lifted': '{name} picked up. Arrow keys choose where it goes, Space or Enter drops it, Escape cancels.',
  'drag.cancelled': 'Move of {name} cancelled.',
  'inline.edit': 'Edit "{text}"',
  'room.panel': 'People and tools',
  'room.panel.close': 'Close',
  'room.actions': 'Your actions',
  'room.steps': 'Steps',
  'timer.sound': 'Chime when time is up',
  'timer.up.toast': "Time's up for this step.",
  'hand.heading': 'Raised hands',
  'hand.raise': 'Raise hand',
  'hand.lower_mine': 'Lower hand (you are {n} in line)',
  'hand.lower': 'Lower',
  'hand.lower_for': "Lower {name}'s hand",
  'hand.none': 'No hands up. Participants raise a hand to join the line of speakers.',
  'hand.raised': 'Hand raised',
  'groups.to': 'To {name}',
  'teams.move_label': 'Move {name} to another team',
  'teams.new.title': 'Joined late and placed by Horseshoe in the smallest team (moving them clears this)',
  'teams.to_new': 'To a new team',
  'teams.outside': 'Not in a team:',
  'note.fold': 'Hide',
  'note.unfold': 'Show ({n} private)',
  'reveal.show': 'Show',
  'list.new_cluster_with': 'New cluster with "{text}"',
  'wall.cluster.menu': 'Cluster',
  'wall.cluster.open': 'notes: rename, merge or dissolve',
  'wall.note.menu': 'Note',
  'wall.menu.close': 'Close',
  'wall.selected': '{n} selected',
  'working.sentence': '{Centricity} means {list}.',
  'summary.eyebrow': 'End of the session',
  'summary.types': 'Our {clientAdj} types',
  'summary.types.none.one': '{n} note was revealed, and put in no {clientAdj} type.',
  'summary.types.none.other': '{n} notes were revealed, and put in no {clientAdj} type.',
  'summary.teams': 'What each team found',
  'summary.strongest': 'Strongest',
  'summary.strongest.none': 'No behaviour stood out as a success.',
  'summary.weakest': 'Weakest',
  'summary.weakest.none': 'No behaviour stood out as a failure.',
  'summary.no_assessment': 'Not assessed.',
  'summary.report': 'Open the report',
  'summary.back': 'Back to the board',
  'summary.show': 'Show the summary',
  'summary.end.heading': 'End the session',
  'summary.end.help': 'Everyone sees the summary; the room stays readable and you can reopen it.',
  'summary.end': 'End the session',
  'summary.end.confirm': 'End it for everyone?',
  'pj.join': 'Join on your phone or laptop',
  'pj.join_at': 'Join:',
  'pj.type_link': 'or type this link:',
  'pj.joined.one': '{n} person here',
  'pj.joined.other': '{n} people here',
  'pj.qr': 'QR code of the room link',
  'wall.fit.readable.aria': 'Show the notes, as large as they can be read',
};

/** @typedef {keyof typeof en} Key */

/** @type {Record<Key, string>} */
const pt = {
  'app.name': 'Horseshoe',
  'app.workshop': 'Explorar a centralidade no cliente',
  'report.workshop': 'Explorar a {centricity}',

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
  'home.create_key': 'Chave de criação',
  'home.create_key.help': 'Este servidor só cria salas para quem tem a chave de criação: peça-a a quem o gere.',
  'home.create_key.wrong': 'Essa chave de criação não está certa.',
  'home.too_many': 'Foram criadas demasiadas salas a partir da sua rede: tente de novo daqui a um minuto.',

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
  'join.refused': 'A sala não aceitou esse nome: {reason}',
  'join.name.placeholder': 'ex.: Ana',
  'join.name.help': 'Aparece aos outros junto ao que escrever.',
  'join.submit': 'Entrar',
  'join.facilitator.submit': 'Abrir a sala',
  'join.facilitator.default_name': 'Facilitação',
  'join.loading': 'Um momento…',

  'error.title': 'Este link não é válido',
  'error.no_room': 'Sala inexistente: o link pode ter um erro ou estar incompleto.',
  'error.bad_key': 'A chave de facilitação deste link está errada.',
  'error.version': 'Esta página está desatualizada. Recarregue-a para obter a versão mais recente.',
  'error.no_page': 'Não existe nenhuma página neste endereço.',
  'error.generic': 'O servidor recusou a conexão: {reason}',
  'error.home': 'Criar uma sala nova',

  'conn.connecting': 'Conexão em curso…',
  'text.edit.hint': 'Clique para editar',
  'text.edit.aria': '{label}: {text}. Editar',
  'text.edit.empty': 'Vazio: clique para escrever',
  'text.writing.single': '{name} está a escrever',
  'text.writing.several': '{names} estão a escrever',
  'text.too_long': 'Este texto leva no máximo {n} caracteres.',
  'paste.cut': 'Só cabem {n} caracteres aqui: o fim do que colou ficou de fora.',
  'text.refused.too_long': 'O texto ficaria demasiado longo: as suas últimas palavras foram retiradas.',
  'text.refused': 'As suas últimas palavras não ficaram: {message}',
  'conn.online': 'Ao vivo',
  'conn.reconnecting': 'Reconexão em curso…',
  'conn.not_sent': 'Não enviado: está sem ligação. Tente de novo quando voltar.',
  'conn.banner':
    'Sem conexão. Reconexão em curso… As suas alterações serão enviadas quando a conexão voltar.',
  'conn.unsent.one': 'Guardado para enviar: {n} item',
  'conn.unsent.other': 'Guardados para enviar: {n} itens',
  'conn.unsent_more': 'e mais {n}',

  'role.facilitator': 'Facilitação',
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
  'room.board_pending': 'A facilitação conduz este passo. O quadro comum deste passo vai aparecer aqui.',

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
  'device.open': 'Outro dispositivo',
  'device.help': 'Leia este código com o telemóvel, ou abra o link noutro computador, para continuar lá como a mesma pessoa.',
  'device.qr': 'Código QR do seu link pessoal',
  'device.close': 'Feito',
  'share.device': 'O seu link pessoal',
  'share.device.help': 'Quem o abrir participa como você: não o partilhe.',

  'share.heading': 'Convidar',
  'share.participant': 'Link para participantes',
  'share.participant.help': 'Envie-o a todas as pessoas que vão participar.',
  'share.viewer': 'Link da vista de parede',
  'share.viewer.help': 'Só de leitura: para um projetor ou um observador.',
  'share.facilitator': 'Link de cofacilitação',
  'share.facilitator.help': 'Acesso total à sala. Envie-o apenas a quem cofacilita.',
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
    'Cada pessoa, uma de cada vez, recorda uma experiência excelente que teve como {client} e diz o que a tornou tão boa.\nA facilitação anota os fatores, as palavras e os princípios-chave em cartões curtos no quadro.\nQuando dois cartões dizem o mesmo, juntam-se num só, e a sala vê que fatores se repetem.',

  'step.3.title': 'Definir a {centricity} numa frase',
  'step.3.short': 'Definição',
  'step.3.purpose': 'Construir a nossa própria definição de {centricity}.',
  'step.3.now': 'Com o seu grupo, escreva uma frase que defina a {centricity}.',
  'step.3.now_wall': 'Ouça a leitura da frase de cada grupo e selecione as palavras que se repetem para as destacar.',
  'step.3.how':
    'A facilitação forma pequenos grupos.\nCada grupo escreve, no seu próprio cartão, uma frase que defina a {centricity}.\nQuando o tempo acaba, todas as definições vão para a parede e são lidas uma a uma.\nDestaque as palavras e expressões comuns a várias definições: juntas, são a definição de trabalho da sala.',

  'step.4.title': 'Quem são os nossos {clients}? "Ajude-me a…"',
  'step.4.short': 'Os nossos {clients}',
  'step.4.purpose':
    'Descobrir os tipos de {clients} que servimos, a partir das razões que os trazem até nós.',
  'step.4.now':
    'Escreva notas "Ajude-me a…": as razões pelas quais os {clients} compram os nossos produtos e serviços.',
  'step.4.how':
    'Individualmente, escreva notas na forma "Ajude-me a…": as razões pelas quais os {clients} compram os nossos produtos e serviços (por exemplo, "Ajude-me a fortalecer os grupos de trabalho da minha organização").\nQuando a facilitação indicar, cole as suas notas na parede, uma pessoa de cada vez.\nJunte as notas semelhantes em grupos e dê um nome a cada grupo.\nCada grupo de notas representa um tipo de {client}.',

  'step.5.title': 'Avaliar a organização para cada tipo de {client}',
  'step.5.short': 'Avaliação',
  'step.5.purpose': 'Ver onde a organização já é {centric} e onde fica aquém, para cada tipo de {client}.',
  'step.5.now': 'Com o seu grupo, dê exemplos de sucessos e de falhas em cada uma das seis categorias.',
  'step.5.how':
    'A facilitação divide a sala em grupos; cada grupo fica com um tipo de {client}.\nPara cada uma das seis categorias abaixo, escreva exemplos de sucesso e de falha.\nOpcionalmente, atribua a cada categoria uma nota de 1 a 5.',
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
  'reject.forbidden': 'Só a facilitação pode fazer isso.',
  'reject.not_found': 'Isso deixou de existir.',
  'reject.gone': 'Isso foi apagado.',
  'reject.too_long': 'Esse texto excede o tamanho máximo.',
  'reject.limit_reached': 'Esta sala atingiu o seu limite.',
  'reject.conflict': 'Isso entrou em conflito com uma alteração feita agora mesmo por outra pessoa.',
  'wall.moved_meanwhile': 'Outra pessoa moveu essa nota entretanto: fica onde ela a pôs.',
  'reject.rate_limited': 'Muitas alterações seguidas: aguarde um momento.',
  'reject.internal': 'O servidor teve um problema. Tente novamente.',
  'toast.dismiss': 'Fechar',

  'note.prefix': 'Ajude-me a',
  'note.heading': 'As suas notas "Ajude-me a…"',
  'note.placeholder': 'fortalecer os grupos de trabalho da minha organização',
  'note.input.label': 'Nova nota: {prefix}…',
  'note.add': 'Adicionar nota',
  'note.private': 'Privadas até a facilitação as revelar: {n}.',
  'note.none_private': 'Uma razão por nota. Só você vê as suas notas até a facilitação as revelar.',
  'note.placed': 'Na parede: {n}.',
  'note.edit': 'Editar',
  'note.edit.aria': 'Editar "{text}"',
  'note.edit.label': 'Editar a nota',
  'note.delete': 'Apagar',
  'note.delete.aria': 'Apagar "{text}"',
  'note.save': 'Gravar',
  'note.cancel': 'Cancelar',

  'reveal.heading': 'Revelar as notas',
  'reveal.heading.participant': 'Ainda privadas',
  'reveal.help': 'Revele uma pessoa de cada vez, para que ela coloque as suas notas, ou todas de uma vez.',
  'reveal.help.participant':
    'Notas escritas e ainda não reveladas. A facilitação revela-as uma pessoa de cada vez.',
  'reveal.all': 'Revelar todas',
  'reveal.person': 'Revelar',
  'reveal.person.aria': 'Revelar as notas de {name}',
  'reveal.count.one': '{n} nota',
  'reveal.count.other': '{n} notas',
  'reveal.nobody': 'Nenhuma nota privada à espera.',
  'turn.you': 'As suas notas estão na parede: arraste cada uma para junto de notas semelhantes.',
  'turn.other':
    'As notas de {name} estão na parede: {name} coloca-as junto de notas semelhantes, e todos podem ajudar.',

  'wall.label': 'A parede de notas "Ajude-me a…"',
  'wall.canvas': 'Parede',
  'wall.help':
    'Arraste uma nota para a mover; largue-a sobre outra nota para começar um agrupamento. Arraste o fundo para deslocar a vista; aproxime ou afaste com a roda, com dois dedos ou com os botões de zoom. Com a parede selecionada, as setas deslocam a vista e + e − mudam o zoom. A vista de lista faz tudo a partir do teclado.',
  'wall.view': 'Mostrar a parede como',
  'wall.view.wall': 'Parede',
  'wall.view.list': 'Lista',
  'wall.count': 'Notas: {notes} · Agrupamentos: {clusters}',
  'wall.zoom': 'Zoom',
  'wall.zoom_in': 'Aproximar',
  'wall.zoom_out': 'Afastar',
  'wall.fit': 'Ajustar',
  'wall.fit.aria': 'Mostrar todas as notas',
  'wall.wheel_hint': 'Para aproximar, use Ctrl enquanto desliza, ou clique primeiro na parede',
  'wall.expand': 'Expandir',
  'wall.collapse': 'Reduzir',
  'wall.empty': 'Ainda não há notas na parede. Aparecem aqui quando a facilitação as revelar.',
  'wall.cluster.unnamed': 'Agrupamento sem nome',
  'wall.cluster.aria.one': '{name}, {n} nota: mudar o nome, juntar ou desfazer',
  'wall.cluster.aria.other': '{name}, {n} notas: mudar o nome, juntar ou desfazer',
  'wall.cluster.name': 'Nome do agrupamento',
  'wall.cluster.name.placeholder': 'ex.: Pequenas empresas',
  'wall.cluster.save': 'Gravar',
  'wall.cluster.merge': 'Juntar a outro agrupamento',
  'wall.cluster.merge.choose': 'Juntar a…',
  'wall.cluster.merge.do': 'Juntar',
  'wall.cluster.dissolve': 'Desfazer',
  'wall.cluster.split_help': 'Para o dividir, arraste notas para fora.',

  'hint.looks_like': 'Parece ser:',
  'hint.add': 'Adicionar',
  'hint.add.aria': 'Adicionar "{text}" a {name}',
  'hint.dismiss': 'Ignorar a sugestão',

  'list.by': 'de {name}',
  'list.cluster_of': 'Agrupamento',
  'list.no_cluster': 'Sem agrupamento',
  'list.new_cluster': 'Novo agrupamento com outra nota…',
  'list.partner_label': 'Criar um agrupamento de "{text}" com',
  'list.partner_choose': 'Escolha uma nota…',
  'list.move_label': 'Agrupamento de "{text}"',
  'list.loose': 'Fora de qualquer agrupamento',
  'list.count.one': '{n} nota',
  'list.count.other': '{n} notas',
  'list.rename_label': 'Nome do agrupamento {name}',
  'list.merge_label': 'Juntar {name} a',
  'list.announce.revealed': 'Notas reveladas: {n}.',
  'list.announce.moved': '"{text}" está agora em {name}.',
  'list.announce.loose': '"{text}" saiu do seu agrupamento.',
  'list.announce.renamed': '{old} chama-se agora {name}.',

  'team.name': 'Grupo {n}',
  'team.members': 'Membros',
  'team.empty': 'Ainda sem ninguém',
  'team.yours.badge': 'o seu',
  'team.waiting': 'Ainda não está num grupo: a facilitação vai escolher um para si.',
  'team.client_type': 'Tipo de {client}: {name} · notas: {n}',
  'team.client_type.short': 'Tipo de {client}',
  'team.client_type.notes': 'Notas deste tipo: {n}',
  'team.client_type.label': 'Tipo de {client} do grupo {n}',
  'team.client_type.none': 'Por escolher',
  'team.no_client_type': 'Ainda sem tipo de {client} escolhido.',
  'teams.heading': 'Grupos',
  'teams.help': 'Cada grupo fica com um tipo de {client}: um dos agrupamentos de notas do passo 4.',
  'teams.from_groups': 'Usar os grupos do passo 3',
  'teams.no_groups': 'Não houve grupos no passo 3.',
  'teams.form': 'Formar grupos',
  'teams.form_again': 'Formar grupos novos',
  'teams.form_again.confirm': 'Substituir os grupos?',
  'teams.none': 'Ainda não há grupos.',
  'teams.unplaced': 'Sem grupo',
  'teams.move.label': 'Grupo de {name}',
  'teams.move.choose': 'Escolha um grupo…',
  'teams.move.new': 'Grupo novo',

  'board.succeeded': 'Quando tivemos sucesso?',
  'board.failed': 'Quando não tivemos sucesso?',
  'board.add': 'Adicionar um exemplo',
  'board.add.placeholder.succeeded': 'Uma vez em que correu bem…',
  'board.add.placeholder.failed': 'Uma vez em que correu mal…',
  'board.add.label': 'Novo exemplo, {column} (categoria {n})',
  'board.add.save': 'Adicionar',
  'board.add.enter': 'Enter adiciona; Shift+Enter muda de linha.',
  'board.card.label': 'Exemplo',
  'board.column.empty': 'Ainda sem exemplos',
  'board.card.move': 'Mover para',
  'board.short.succeeded': 'Sucesso',
  'board.short.failed': 'Falha',
  'board.card.delete.confirm': 'Apagar?',
  'board.rating.aria': 'Nota da categoria {n}: {value} em 5',
  'board.rating.set': 'Dar {n} em 5',
  'board.rating.clear': 'Limpar a nota',
  'board.rating.none': 'Sem nota',
  'board.readonly': 'Quadro de outro grupo: pode ver, só os membros do grupo o podem alterar.',
  'board.readonly.viewer': 'Vista só de leitura.',
  'board.no_team': 'Sem grupo',

  'overview.tab': 'Todos os grupos',
  'overview.tabs': 'Quadros dos grupos',
  'overview.open': 'Abrir quadro',
  'overview.category': 'Categoria',
  'overview.rating': 'Nota',
  'overview.progress': 'Exemplos: {n} · Com nota: {rated} de 6',
  'overview.legend': '✓ exemplos de sucesso · ✗ exemplos de falha · ★ nota do grupo, de 1 a 5',

  'present.who': 'Apresentação',
  'present.nobody': 'Ninguém',
  'present.now': 'Apresentação em curso: {team}',
  'present.step_out': 'Sair da apresentação',
  'present.away': 'Apresentação em curso: {team}. Saiu da apresentação para ver outros quadros.',
  'present.back': 'Voltar à apresentação',
  'present.none': 'Ninguém está a apresentar: veja o quadro de qualquer grupo.',
  'present.no_teams': 'Ainda não há grupos: são formados no passo 5.',
  'present.look_at': 'Ver o quadro de um grupo',
  'present.badge': 'em apresentação',

  'area.heading': 'Áreas de melhoria',
  'area.help': 'Diga o que melhorar: a partir de uma falha (o botão "+ Área") ou por palavras suas.',
  'area.new': 'Nova área de melhoria',
  'area.placeholder': 'ex.: Agir sobre a opinião dos {clients} no prazo de um mês',
  'area.add': 'Adicionar',
  'area.none': 'Ainda não há áreas.',
  'area.origin.card': 'De uma falha do {team} · proposta por {name}',
  'area.origin.new': 'Proposta por {name}',
  'area.from_card': 'Área',
  'area.from_card.aria': 'Propor esta falha como área de melhoria',
  'area.from_card.done': 'Proposta como área',
  'area.merge': 'Juntar a…',
  'area.merge.label': 'Juntar "{text}" a outra área',
  'area.edit.label': 'Área de melhoria',
  'area.delete.confirm': 'Apagar?',

  'vote.dots': 'Pontos por pessoa',
  'vote.open': 'Abrir a votação',
  'vote.reopen': 'Votar de novo',
  'vote.reopen.help': 'Uma nova votação começa do zero.',
  'vote.open_now': 'Votação aberta',
  'vote.close': 'Fechar a votação',
  'vote.closed': 'A votação está fechada.',
  'vote.used': 'Os seus pontos: {used} de {dots} usados.',
  'vote.who': 'Pontos usados:',
  'vote.for': 'Os seus pontos em "{text}"',
  'vote.add': 'Pôr um ponto',
  'vote.remove': 'Tirar um ponto',
  'vote.mine.one': '{n} ponto',
  'vote.mine.other': '{n} pontos',
  'vote.tally.one': '{n} ponto',
  'vote.tally.other': '{n} pontos',

  'rank.heading': 'Prioridades',
  'rank.help':
    'Ordenadas por pontos. A facilitação pode reordenar e fechar a lista; atribua a cada prioridade um responsável e uma data.',
  'rank.draft': 'Rascunho',
  'rank.final': 'Final',
  'rank.finalise': 'Fechar a lista',
  'rank.unlock': 'Desbloquear para reordenar',
  'rank.up': 'Subir "{text}"',
  'rank.down': 'Descer "{text}"',

  'follow.owner': 'Responsável',
  'follow.owner.placeholder': 'Um nome',
  'follow.owner.label': 'Responsável por "{text}"',
  'follow.due': 'Data',
  'follow.due.label': 'Data limite de "{text}"',
  'follow.owner.ro': 'Responsável: {name}',
  'follow.due.ro': 'Data: {date}',
  'follow.none': 'Ainda sem responsável.',

  'export.heading': 'Relatório e fecho',
  'export.help': 'O resultado de cada passo: um relatório para imprimir e versões para pessoas e máquinas.',
  'export.printable': 'Relatório para imprimir',
  'export.format.md': 'Markdown',
  'export.format.json': 'JSON',
  'export.format.csv': 'CSV',
  'export.fetching': 'Preparação da transferência em curso…',
  'export.saved': '{format}: transferência concluída.',
  'export.failed': 'Não foi possível transferir o relatório: {reason}',
  'again.heading': 'Repetir o workshop',
  'again.help': 'Uma sala nova e vazia, com o mesmo título, foco, idioma e tamanho dos grupos.',
  'again.button': 'Repetir o workshop',
  'again.making': 'Criação da sala nova em curso…',
  'again.made': 'A sala nova está pronta. Mantenha o link de facilitação só para si.',
  'again.open': 'Abrir a sala nova',
  'again.failed': 'Não foi possível criar a sala nova: {reason}',
  'closed.heading': 'Fechar a sala',
  'closed.help': 'No fim da sessão, feche a sala: todos a podem continuar a ler, ninguém a pode alterar.',
  'closed.is_closed': 'A sala está fechada: só de leitura para todos.',
  'closed.close': 'Fechar a sala',
  'closed.confirm': 'Fechar a sala para todos? Nada pode ser alterado até a reabrir.',
  'closed.close.yes': 'Fechar',
  'closed.reopen': 'Reabrir a sala',
  'closed.banner': 'Esta sala está fechada: tudo continua visível, nada pode ser alterado.',
  'closed.readonly': 'A sala está fechada: só de leitura.',
  'closed.no_join': 'Esta sala está fechada: pode lê-la, mas ninguém novo pode entrar.',

  'report.heading': 'Relatório',
  'report.print': 'Imprimir',
  'report.back': 'Voltar à sala',
  'report.loading': 'Carregamento do relatório em curso…',
  'report.no_key': 'Este link de relatório não tem a chave de facilitação.',
  'report.failed': 'Não foi possível carregar o relatório: {reason}',
  'report.generated': 'Gerado em {when}',
  'report.lens': 'Foco: {lens}',
  'report.people': 'Participantes: {n}',
  'report.name': 'Nome',
  'report.mentions.one': 'Referido uma vez',
  'report.mentions.other': 'Referido {n} vezes',
  'report.group': 'Grupo {n}',
  'report.common': 'Palavras e expressões comuns',
  'report.common.counts': '(definições: {defs} · destaques: {hl})',
  'report.working': 'Definição de trabalho',
  'report.area': 'Área de melhoria',
  'report.votes': 'Pontos',
  'report.ranking.final': 'A lista final de prioridades, da mais importante para a menos importante.',
  'report.ranking.draft': 'A lista de prioridades, da mais importante para a menos importante (não fechada).',
  'report.ranking.none': 'Sem votação.',
  'report.dots_each.one': 'Cada pessoa tinha {n} ponto.',
  'report.dots_each.other': 'Cada pessoa tinha {n} pontos.',
  'report.none.checkins': 'Sem check-ins.',
  'report.none.factors': 'Sem fatores-chave.',
  'report.none.definitions': 'Sem definições.',
  'report.none.working': 'Sem definição de trabalho.',
  'report.none.behaviour': '(nada registado)',
  'report.none.notes': 'Nenhuma nota foi revelada.',
  'report.none.teams': 'Sem grupos.',
  'report.none.areas': 'Sem áreas de melhoria.',

  'who.someone': 'Alguém',

  'queue.heading': 'Ordem de intervenção',
  'queue.now': 'Com a palavra',
  'queue.order': 'Ordem',
  'queue.empty': 'Os participantes aparecem aqui à medida que entram.',
  'queue.empty_short': 'Ninguém entrou até agora',
  'queue.nobody': 'Ninguém, por enquanto',
  'queue.next_is': 'A seguir: {name}',
  'queue.all_spoken': 'Todos já falaram.',
  'queue.spoken_count': '{n} de {total} já falaram',
  'queue.start': 'Chamar a primeira pessoa',
  'queue.next': 'Próxima pessoa',
  'queue.shuffle': 'Ordem aleatória',
  'queue.call': 'Chamar',
  'queue.call_name': 'Chamar {name} agora',
  'queue.up': 'Subir {name}',
  'queue.down': 'Descer {name}',
  'queue.speaking': 'Com a palavra',
  'queue.spoke': 'Já falou',
  'queue.next_up': 'A seguir',
  'queue.scribe': 'Relatoria',
  'queue.scribe.help': 'Uma pessoa participante que gere a ordem e escreve os cartões consigo.',
  'queue.no_scribe': 'Sem relatoria',
  'queue.you_are_scribe': 'Tem a relatoria: chame as pessoas e anote os fatores-chave que referem.',
  'queue.scribe_is': 'Relatoria: {name}.',

  'factors.heading': 'Fatores-chave',
  'factors.total': 'Menções no total: {n}',
  'factors.open': 'Todos podem adicionar cartões',
  'factors.state.open': 'O quadro está aberto: todos podem adicionar cartões e editar ou apagar os seus.',
  'factors.state.closed': 'A facilitação anota os fatores-chave à medida que as pessoas falam.',
  'factors.state.scribe': 'A facilitação e {name} anotam os fatores-chave à medida que as pessoas falam.',
  'factors.placeholder': 'Um fator, palavra ou princípio-chave, ex.: "Ouviram-me"',
  'factors.add_label': 'Novo fator-chave',
  'factors.add': 'Adicionar',
  'factors.tagged': 'Os cartões novos ficam associados a {name}, que tem a palavra.',
  'factors.untagged': 'Ninguém tem a palavra: os cartões novos não ficam associados a ninguém.',
  'factors.merge_hint': 'Dois cartões dizem o mesmo? Arraste um para cima do outro, ou use "Juntar a…".',
  'factors.empty': 'Ainda não há fatores-chave. Aparecem aqui à medida que a sala os refere.',
  'factors.empty.writer': 'Ainda não há fatores-chave. Adicione o primeiro acima.',
  'factors.edit': 'Editar',
  'factors.edit_label': 'Editar o cartão',
  'factors.delete': 'Apagar',
  'factors.merge_into': 'Juntar a…',
  'factors.mentions': 'Referido {n}×',
  'factors.named_by': 'Referido por {names}',
  'factors.most_named': 'Mais referidos',
  'factors.most_named.empty': 'Os fatores referidos mais vezes sobem para o topo desta lista.',

  'groups.heading': 'Grupos',
  'groups.form': 'Formar grupos',
  'groups.reform': 'Formar de novo',
  'groups.reform.confirm': 'Baralhar todos de novo?',
  'groups.help':
    'Participantes presentes: {n}. Grupos de {size} no máximo, equilibrados e aleatórios; depois pode ajustá-los.',
  'groups.nobody': 'Ainda não há ninguém presente para formar grupos.',
  'groups.summary':
    'Grupos: {n}, de {size} no máximo. Arraste pessoas entre grupos, ou use o menu de cada pessoa.',
  'groups.group': 'Grupo {n}',
  'groups.outside': 'Sem grupo:',
  'groups.move': 'Mudar…',
  'groups.place': 'Colocar…',
  'groups.move_label': 'Mudar {name} para outro grupo',
  'groups.to_group': 'Para o grupo {n}',
  'groups.to_new': 'Para um grupo novo',
  'groups.new': 'novo',
  'groups.new.title': 'Entrada tardia: o Horseshoe juntou esta pessoa ao grupo mais pequeno (mudá-la de grupo tira esta marca)',
  'groups.new_group': 'Grupo novo',
  'groups.new_group.help': 'Largue aqui uma pessoa para criar um grupo.',
  'groups.waiting': 'A facilitação vai formar os grupos em breve.',
  'groups.not_in': 'Ainda não está num grupo: a facilitação vai escolher um para si.',

  'sheet.title': 'Grupo {n}: a nossa definição',
  'sheet.label': 'Definição de {centricity} do grupo {n}',
  'sheet.placeholder': 'A {centricity} é…',
  'sheet.free': 'Escrevam aqui em conjunto: todos no grupo podem escrever ao mesmo tempo e veem os outros ao vivo.',
  'sheet.written_by': 'Escrito por {names}',

  'def.all_groups': 'As definições dos grupos',
  'def.other_groups': 'As definições dos outros grupos',
  'def.nothing_yet': 'Ainda nada escrito',
  'def.none.facilitator': 'Forme os grupos para começar: cada grupo escreve uma frase.',

  'defwall.show': 'Pôr as definições na parede',
  'defwall.show.help': 'Quando o tempo acabar, mostre as frases de todos os grupos lado a lado e leia-as.',
  'defwall.hide': 'Voltar à escrita',
  'defwall.heading': 'A parede',
  'defwall.reading': 'Em leitura: grupo {n}',
  'defwall.not_reading': 'Leia as definições uma a uma.',
  'defwall.reading_now': 'Em leitura',
  'defwall.read_this': 'Ler esta',
  'defwall.start': 'Ler a primeira',
  'defwall.prev': 'Anterior',
  'defwall.next': 'Seguinte',
  'defwall.highlight_help':
    'Selecione uma palavra ou expressão em qualquer definição e carregue em "Destacar".',
  'defwall.highlight': 'Destacar',
  'defwall.highlighted_by': 'Destacado por {names}',
  'defwall.remove_highlight': 'Retirar destaque',

  'common.heading': 'Palavras e expressões comuns',
  'common.help':
    'Sugeridas pelo Horseshoe a partir de todas as definições, com quantas pessoas destacaram cada uma.',
  'common.empty': 'As palavras partilhadas por várias definições aparecem aqui.',
  'common.in_defs.one': 'em {n} definição',
  'common.in_defs.other': 'em {n} definições',
  'common.in_defs.title': 'Quantos grupos a usaram',
  'common.highlights.one': '{n} destaque',
  'common.highlights.other': '{n} destaques',
  'common.highlights.title': 'Quantos destaques a incluem',

  'working.heading': 'A nossa definição de trabalho',
  'working.banner': 'A nossa definição de trabalho',
  'working.empty': 'A facilitação transforma as palavras destacadas na definição de trabalho da sala.',
  'working.empty.facilitator':
    'Transforme as palavras destacadas na definição de trabalho de {centricity} da sala.',
  'working.label': 'Definição de trabalho',
  'working.placeholder': 'ex.: Pôr os {clients} no centro de todas as decisões.',
  'working.suggest': 'Partir dos destaques',
  'working.set': 'Definir como definição de trabalho',
  'working.update': 'Atualizar a definição de trabalho',
  'working.edit': 'Editar',

  'ready.heading': 'Este passo',
  'ready.heading.room': 'Terminaram este passo',
  'ready.mark': 'Terminei',
  'ready.done': 'Terminei este passo',
  'ready.unmark': 'Clique se ainda não terminou',
  'ready.count': '{n} de {total} disseram que terminaram',
  'ready.still': 'Ainda não:',
  'ready.all': 'Todos terminaram.',
  'ready.auto': 'Avançar quando todos terminarem',
  'ready.auto.on': 'A sala passa ao passo seguinte assim que todos os participantes presentes terminarem.',
  'ready.auto.off': 'É a facilitação que faz a sala avançar.',

  'undo.button': 'Desfazer {what}',
  'undo.plain': 'Desfazer',
  'undo.shortcut': 'Desfazer a sua última alteração neste passo (Ctrl+Z)',
  'redo.button': 'Refazer {what}',
  'redo.plain': 'Refazer',
  'redo.shortcut': 'Refazer o que desfez (Ctrl+Shift+Z)',
  'undo.conflict': '{name} alterou isto entretanto; nada foi desfeito',
  'undo.conflict.someone': 'Alguém alterou isto entretanto; nada foi desfeito',
  'redo.conflict': '{name} alterou isto entretanto; nada foi refeito',
  'redo.conflict.someone': 'Alguém alterou isto entretanto; nada foi refeito',
  'undo.words': '{name} também escreveu aqui; nada foi desfeito',
  'redo.words': '{name} também escreveu aqui; nada foi refeito',
  'undo.vote_open': 'As áreas ficam enquanto a votação está aberta; nada foi desfeito',
  'redo.vote_open': 'As áreas ficam enquanto a votação está aberta; nada foi refeito',
  'undo.nothing': 'Nada seu para desfazer neste passo.',
  'redo.nothing': 'Nada seu para refazer neste passo.',
  'undo.what.factor.add': 'fator-chave',
  'undo.what.note.add': 'nota',
  'undo.what.team.cluster': 'escolha do tipo de {client}',
  'undo.what.card.add': 'exemplo',
  'undo.what.rating.set': 'avaliação',
  'undo.what.area.add': 'área',
  'undo.what.area.follow_up': 'responsável e data',
  'undo.what.checkin.set': 'check-in',
  'undo.what.checkin.clear': 'remoção do check-in',
  'undo.what.factor.delete': 'eliminação do cartão',
  'undo.what.factor.merge': 'junção de cartões',
  'undo.what.groups.form': 'formação dos grupos',
  'undo.what.group.move': 'mudança de grupo',
  'undo.what.highlight.add': 'destaque',
  'undo.what.highlight.remove': 'remoção do destaque',
  'undo.what.working.set': 'definição de trabalho',
  'undo.what.note.edit': 'edição da nota',
  'undo.what.note.delete': 'eliminação da nota',
  'undo.what.note.drop': 'movimento da nota',
  'undo.what.cluster.rename': 'nome do grupo de notas',
  'undo.what.cluster.merge': 'junção de grupos de notas',
  'undo.what.cluster.dissolve': 'separação do grupo de notas',
  'undo.what.teams.from_groups': 'formação dos grupos de avaliação',
  'undo.what.teams.form': 'formação dos grupos de avaliação',
  'undo.what.team.move': 'mudança de grupo de avaliação',
  'undo.what.card.move': 'movimento do exemplo',
  'undo.what.card.delete': 'eliminação do exemplo',
  'undo.what.area.delete': 'eliminação da área',
  'undo.what.area.merge': 'junção de áreas',
  'undo.what.ranking.set': 'alteração da ordem',

  'part.heading': 'Participação',
  'part.person': 'Pessoa',
  'part.here': 'Aqui',
  'part.here.title': 'Online agora',
  'part.here_count': '{n} de {total} presentes',
  'part.checkin': 'Check-in',
  'part.checkin.title': 'Fez o check-in (passo 1)',
  'part.spoke': 'Falou',
  'part.spoke.title': 'Já falou na ordem de intervenção (passo 2)',
  'part.cards': 'Cartões',
  'part.cards.title': 'Cartões de fatores-chave escritos por esta pessoa (passo 2)',
  'part.contributions': 'Contrib.',
  'part.contributions.title':
    'Tudo o que escreveu: check-ins, cartões, edições de definições, destaques, post-its…',
  'part.ready': 'Terminou',
  'part.ready.title': 'Marcou "Terminei" neste passo',
  'part.silent': 'Em silêncio até agora ({n}):',
  'part.nobody_silent': 'Todos já falaram ou escreveram alguma coisa.',
  'drag.role': 'arrastável',
  'drag.lifted': '{name} selecionado para mover. As setas escolhem o destino, Espaço ou Enter larga, Escape cancela.',
  'drag.cancelled': 'Movimento de {name} cancelado.',
  'inline.edit': 'Editar "{text}"',
  'room.panel': 'Pessoas e ferramentas',
  'room.panel.close': 'Fechar',
  'room.actions': 'As suas ações',
  'room.steps': 'Passos',
  'timer.sound': 'Tocar um sinal quando o tempo acabar',
  'timer.up.toast': 'O tempo deste passo acabou.',
  'hand.heading': 'Mãos levantadas',
  'hand.raise': 'Levantar a mão',
  'hand.lower_mine': 'Baixar a mão (posição {n} na fila)',
  'hand.lower': 'Baixar',
  'hand.lower_for': 'Baixar a mão de {name}',
  'hand.none': 'Nenhuma mão levantada. Quem participa levanta a mão para entrar na fila para falar.',
  'hand.raised': 'Mão levantada',
  'groups.to': 'Para {name}',
  'teams.move_label': 'Mudar {name} para outro grupo',
  'teams.new.title': 'Entrada tardia: o Horseshoe juntou esta pessoa ao grupo mais pequeno (mudá-la de grupo tira esta marca)',
  'teams.to_new': 'Para um grupo novo',
  'teams.outside': 'Sem grupo:',
  'note.fold': 'Esconder',
  'note.unfold': 'Mostrar ({n} privadas)',
  'reveal.show': 'Mostrar',
  'list.new_cluster_with': 'Novo agrupamento com "{text}"',
  'wall.cluster.menu': 'Agrupamento',
  'wall.cluster.open': 'notas: mudar o nome, juntar ou desfazer',
  'wall.note.menu': 'Nota',
  'wall.menu.close': 'Fechar',
  'wall.selected': '{n} selecionadas',
  'working.sentence': 'A {centricity} significa {list}.',
  'summary.eyebrow': 'Fim da sessão',
  'summary.types': 'Os nossos tipos de {client}',
  'summary.types.none.one': '{n} nota foi revelada, e não foi posta em nenhum tipo de {client}.',
  'summary.types.none.other': '{n} notas foram reveladas, e não foram postas em nenhum tipo de {client}.',
  'summary.teams': 'O que cada grupo encontrou',
  'summary.strongest': 'Ponto mais forte',
  'summary.strongest.none': 'Nenhum comportamento se destacou como sucesso.',
  'summary.weakest': 'Ponto mais fraco',
  'summary.weakest.none': 'Nenhum comportamento se destacou como falha.',
  'summary.no_assessment': 'Sem avaliação.',
  'summary.report': 'Abrir o relatório',
  'summary.back': 'Voltar ao quadro',
  'summary.show': 'Mostrar o resumo',
  'summary.end.heading': 'Terminar a sessão',
  'summary.end.help': 'Todas as pessoas veem o resumo; a sala continua legível e pode reabri-la.',
  'summary.end': 'Terminar a sessão',
  'summary.end.confirm': 'Terminar para todas as pessoas?',
  'pj.join': 'Entre pelo telemóvel ou computador',
  'pj.join_at': 'Entrar:',
  'pj.type_link': 'ou escreva este endereço:',
  'pj.joined.one': '{n} pessoa presente',
  'pj.joined.other': '{n} pessoas presentes',
  'pj.qr': 'Código QR do link da sala',
  'wall.fit.readable.aria': 'Mostrar as notas, num tamanho em que se leem',
};

/** @type {Record<Language, Record<Key, string>>} */
const TABLES = { en, pt };

/** Keys that come in `.one` / `.other` pairs, for `tn`. */
/** @typedef {{ [K in Key]: K extends `${infer B}.one` ? B : never }[Key]} PluralKey */

/** @typedef {Record<string, string | number>} Params */

/** This person's own choice, the room's language, the room's lens: signals, so every view that
 * calls `t` is drawn again when one changes. */
/** @type {import('../vendor/preact.js').Signal<Language | null>} */
const chosen = signal(savedLanguage());
/** @type {import('../vendor/preact.js').Signal<Language | null>} */
const roomLanguage = signal(null);
/** @type {import('../vendor/preact.js').Signal<Lens>} */
const roomLens = signal('client');

/** @returns {Language} the language strings are shown in now */
export function language() {
  return (
    chosen.value ?? roomLanguage.value ?? (navigator.language.toLowerCase().startsWith('pt') ? 'pt' : 'en')
  );
}

/** @returns {Lens} the lens words are shown in now */
export function lens() {
  return roomLens.value;
}

/**
 * This person's own choice: kept in this browser, wins over the room's language.
 * @param {Language} lang
 */
export function setLanguage(lang) {
  chosen.value = lang;
  saveLanguage(lang);
  applyDocumentLanguage();
}

/**
 * The room's defaults: its language (used when the person has not chosen one) and its lens.
 * @param {Language | null} lang
 * @param {Lens} roomLensValue
 */
export function setRoomDefaults(lang, roomLensValue) {
  batch(() => {
    roomLanguage.value = lang;
    roomLens.value = roomLensValue;
  });
  applyDocumentLanguage();
}

function applyDocumentLanguage() {
  if (document.documentElement.lang !== language()) document.documentElement.lang = language();
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
  const all = { ...lensParams(roomLens.value), ...params };
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
 * @param {Params} [params] more to fill in
 */
export function tn(base, n, params = {}) {
  /** @type {Key} */
  const key = n === 1 ? `${base}.one` : `${base}.other`;
  return t(key, { ...params, n });
}

/**
 * A refused command, in the person's language (the server's own words for a code this client
 * does not know yet).
 * @param {import('./protocol').ErrorCode} code
 * @param {string} message
 */
export function rejectText(code, message) {
  const key = `reject.${code}`;
  return hasKey(key) ? t(key) : message;
}

/**
 * How a lens is named in a picker: "Partner-centricity", "Centralidade no parceiro".
 * @param {Lens} lensValue
 */
export function lensLabel(lensValue) {
  return String(lensParams(lensValue).Centricity);
}

/**
 * The steps' text keys, so views can ask for "step 3's title" by number; in another lens than
 * the room's when given (the home page's outline follows the lens being chosen).
 * @param {number} step 1 to 6
 * @param {'title' | 'short' | 'purpose' | 'now' | 'how'} part
 * @param {Lens} [lensValue]
 */
export function stepText(step, part, lensValue) {
  const key = /** @type {Key} */ (`step.${step}.${part}`);
  return lensValue ? t(key, lensParams(lensValue)) : t(key);
}

/**
 * The string for `key` in `lang` rather than in this person's language, with the room's lens:
 * words that belong to what the room wrote (the "Help me" of a post-it written in the room's
 * language).
 * @param {Language} lang
 * @param {Key} key
 * @param {Params} [params]
 */
export function tIn(lang, key, params = {}) {
  /** @type {Params} */
  const all = {};
  for (const [name, word] of Object.entries(LENS_WORDS[lang][roomLens.value])) {
    all[name] = word;
    all[capitalise(name)] = capitalise(word);
  }
  Object.assign(all, params);
  return TABLES[lang][key].replace(/\{(\w+)\}/g, (whole, name) => (name in all ? String(all[name]) : whole));
}

applyDocumentLanguage();
