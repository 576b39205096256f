// Every word the board shows, in English. A translation catalogue overrides any of them
// through board-config `strings` (same keys). `{name}` placeholders are filled in; keys
// ending in `.one` / `.other` are plural forms chosen with Intl.PluralRules (a catalogue may
// add `.zero`, `.two`, `.few`, `.many` for its language).

export const DEFAULT_STRINGS = Object.freeze({
  'board.untitled': 'Safety map',
  'board.loading': 'Loading the map…',

  'column.tabs': 'Parts of the map',
  // Short names on the phone's tabs (each part's own heading stays for screen readers).
  'tab.worries': 'Worries',
  'tab.workingWell': 'Going well',
  'tab.needsToHappen': 'To happen',
  'tab.more': 'More',
  'column.scales': 'Scales',
  'skip.label': 'Go straight to a part of the map',
  'skip.to': 'Skip to {part}',
  'section.empty': 'Nothing here yet.',
  'section.more': 'More sections',

  'card.textBy': 'Card written by {name}',
  'card.by': 'Written by {person}',
  'card.speaker': 'View of: {speaker}',
  'card.professionalOnly': 'Professionals only',
  'card.disputed': 'Disputed',
  'card.editing': '{name} is editing',
  'card.tools': 'Move or change this card',
  'card.moveUp': 'Move up',
  'card.moveDown': 'Move down',
  'card.more': 'More for this card',
  'card.less': 'Close card options',
  'card.dragHandle': 'Drag to move',
  'card.moveTo': 'Move to section',
  'card.moveToButton': 'Move',
  'card.speakerLabel': 'Whose view is this? (optional)',
  'card.speakerHint': 'For example “Mum said”, if it is not your own view.',
  'card.answersLabel': 'Which worry does this goal answer?',
  'card.answersNone': 'Not linked to a worry',
  'card.answers': 'Answers the worry: {text}',
  'card.goalsForWorry': 'Goal for this worry: {text}',
  'card.scaleForWorry': 'Add a scale for this worry',
  'card.answersWithdrawn': 'The worry this answers was withdrawn: {text}',
  'card.answersDeleted': 'The worry this answers was deleted.',
  'card.answersOptionWithdrawn': 'Withdrawn: {text}',
  'card.answersOptionDeleted': 'A worry that was deleted',
  'card.goalWithdrawn': 'Goal for this worry (withdrawn): {text}',
  'card.delete': 'Delete card',
  'card.deleted': 'Card deleted.',
  'card.withdraw': 'Withdraw card',
  'card.withdrawHint': 'This is not your card, so it is not deleted: it goes to the list of withdrawn cards.',
  'card.emptyText': '(empty card)',
  'card.yourView': 'Your view',

  'withdrawn.heading': 'Withdrawn cards',
  'withdrawn.tab': 'Withdrawn ({count})',
  'withdrawn.hint': 'Cards taken off the map. They are kept here, so nothing is lost.',
  'withdrawn.hintFacilitator': 'Cards taken off the map. They are kept here, so nothing is lost. You can put a card back on the map.',
  'withdrawn.was': 'Was in: {section}',
  'withdrawn.byAt': 'Withdrawn by {person} at {time}',
  'withdrawn.byOn': 'Withdrawn by {person} on {time}',
  'withdrawn.byNoTime': 'Withdrawn by {person}',
  'withdrawn.restore': 'Put back on the map',
  'withdrawn.deleteForGood': 'Delete for good',

  'confirm.withdraw.title': 'Withdraw this card?',
  'confirm.withdraw.body': 'It comes off the map but it is not lost. It goes to the list of withdrawn cards, with your name and the time. Only the facilitator can put it back.',
  'confirm.withdraw.yes': 'Yes, withdraw it',
  'confirm.withdraw.no': 'No, keep it',
  'confirm.delete.title': 'Delete your card?',
  'confirm.delete.body': 'It will be taken off the map. Straight after, you can still bring it back with Undo.',
  'confirm.delete.yes': 'Yes, delete it',
  'confirm.delete.no': 'No, keep it',
  'confirm.forGood.title': 'Delete this card for good?',
  'confirm.forGood.body': 'It will be gone from the map and from the list of withdrawn cards. This cannot be undone.',
  'confirm.forGood.yes': 'Yes, delete it for good',
  'confirm.forGood.no': 'No, keep it',

  'stance.agree': 'Agree',
  'stance.dispute': 'Dispute',
  'stance.unsure': 'Unsure',
  'stance.agreeBy': 'Agree: {names}',
  'stance.disputeBy': 'Disputed by: {names}',
  'stance.unsureBy': 'Unsure: {names}',

  'add.button': 'Add a card',
  // On a phone, beside the section's name: the shorter word keeps both on one row.
  'add.buttonShort': 'Add',
  'add.buttonTo': 'Add a card to {section}',
  'add.textLabel': 'New card for {section}',
  'add.hint': 'Press Enter to add. Shift+Enter starts a new line.',
  'add.submit': 'Add card',
  'add.cancel': 'Cancel',
  'add.layer': 'Who can see this card?',
  'add.layerEveryone': 'Everyone in the meeting',
  'add.layerProfessional': 'Professionals only',

  // The statement builders (statements.js, ui/builder.js): each sentence is one whole string.
  'builder.open': 'Help me write it',
  'builder.close': 'Hide the help',
  'builder.danger.legend': 'Write a worry in a few parts',
  'builder.goals.legend': 'Write a goal in a few parts',
  'builder.intro': 'Fill in what you can. The sentence goes into your card, and you can change it there.',
  'builder.preview': 'Your sentence',
  'builder.previewEmpty': 'Your sentence shows here as you type.',
  'builder.use': 'Use this sentence',
  'builder.missing': 'Fill this in to make a sentence.',
  'builder.danger.who': 'Who is worried?',
  'builder.danger.whoHint': 'For example: School and the social worker. Leave it empty to say “We”.',
  'builder.danger.what': 'What might someone do?',
  'builder.danger.whatHint': 'Say what happens, not a label. For example: Dad might hit Mum when he has been drinking.',
  'builder.danger.child': 'Which child? (optional)',
  'builder.danger.childHint': 'Their first name, or “the children”.',
  'builder.danger.harm': 'What could happen to the child if nothing changes?',
  'builder.danger.harmHint': 'For example: be hurt, or be too frightened to sleep.',
  'builder.goals.who': 'Who will do it?',
  'builder.goals.whoHint': 'For example: Mum and Dad.',
  'builder.goals.what': 'What will they do?',
  'builder.goals.whatHint': 'For example: make sure a sober adult always looks after Leo.',
  'builder.goals.howLong': 'For how long? (optional)',
  'builder.goals.howLongHint': 'For example: the next six months.',
  'builder.goals.child': 'Which child? (optional)',
  'builder.goals.childHint': 'Their first name, or “the children”.',
  'builder.goals.notice': 'What will the child notice? (optional)',
  'builder.goals.noticeHint': 'For example: there is no more shouting at night.',
  'statement.theChild': 'the child',
  'statement.danger.full': '{who} are worried that {what}, and that {child} could {harm} if nothing changes.',
  'statement.danger.noHarm': '{who} are worried that {what}.',
  'statement.danger.weFull': 'We are worried that {what}, and that {child} could {harm} if nothing changes.',
  'statement.danger.weNoHarm': 'We are worried that {what}.',
  'statement.goals.full': '{who} will {what} for {howLong}, and {child} will notice that {notice}.',
  'statement.goals.noNotice': '{who} will {what} for {howLong}.',
  'statement.goals.noTime': '{who} will {what}, and {child} will notice that {notice}.',
  'statement.goals.plain': '{who} will {what}.',

  // Gentle jargon flags (jargon.js, ui/jargonhint.js): never a block, never a change to the text.
  'jargon.quoted': '‘{term}’',
  'jargon.hint.one': '{terms} may not be clear to everyone. Could you say what happens instead?',
  'jargon.hint.other': '{terms} may not be clear to everyone. Could you say what happens instead?',
  'jargon.suggestion': 'For {term}: {suggestion}',

  'steps.action': 'Action',
  'steps.owner': 'Who will do it',
  'steps.due': 'By when',
  'steps.status': 'Status',
  'steps.tools': 'Move or change',
  'status.none': 'Not set',
  'status.not_started': 'Not started',
  'status.in_progress': 'In progress',
  'status.done': 'Done',

  'scales.heading': 'Safety scale',
  'scales.none': 'No scale yet.',
  'scales.add': 'Add the safety scale',
  'scales.addAnother': 'Add another scale',
  'scale.overall': 'Overall safety scale',
  'scale.about': 'Scale for the worry: {text}',
  'scale.aboutWithdrawn': 'Scale for a worry that was withdrawn: {text}',
  'scale.aboutDeleted': 'Scale for a worry that was deleted',
  'scale.aboutUnknown': 'Scale for a worry',
  'scale.defaultQuestion': '10 means everyone agrees the children are safe enough for the case to close; 0 means things are so bad the children cannot live at home. Where are things now?',
  'scale.defaultLow': 'Things are so bad the children cannot live at home',
  'scale.defaultHigh': 'Everyone agrees the children are safe enough for the case to close',
  'scale.worryQuestion': 'On a scale of 0 to 10, how safe are the children from this worry: “{worry}”?',
  'scale.worryLow': 'This is sure to happen if nothing changes',
  'scale.worryHigh': 'Everyone agrees the children are safe from this',
  // Last meeting's marks on a review's scale (ui/lastmarks.js): never today's marks.
  'lastMarks.title': 'Last meeting',
  'lastMarks.label': 'Last meeting: {name}, {value}',
  'lastMarks.words': 'Marks at the last meeting, for comparing (not today’s): {marks}.',
  'lastMarks.mark': '{name}, {value}',
  'scale.question': 'Question',
  'scale.low': 'What 0 means',
  'scale.high': 'What 10 means',
  'scale.lowEnd': '0: {text}',
  'scale.highEnd': '10: {text}',
  'scale.marks': 'Marks',
  'scale.noMarks': 'Nobody has placed a mark yet.',
  'scale.mark': '{person}: {value}',
  'scale.people.one': '{count} person',
  'scale.people.other': '{count} people',
  'scale.peopleAt': 'at {value}: show or hide their names on the line',
  'scale.reason': 'Why: {text}',
  'scale.upText': 'One point up: {text}',
  'scale.yourMark': 'Your mark',
  'scale.yourNumber': 'Your number from 0 to 10',
  'scale.reasonLabel': 'Why this number?',
  'scale.upLabel': 'What would move it one point up? (optional)',
  'scale.save': 'Save my mark',
  'scale.update': 'Update my mark',
  'scale.remove': 'Take my mark off',
  'scale.pickNumber': 'Choose a number first.',
  'scale.hidden.one': '{count} other person has placed a mark. Marks are hidden until the facilitator shows them.',
  'scale.hidden.other': '{count} other people have placed a mark. Marks are hidden until the facilitator shows them.',
  'scale.reveal': 'Show everyone’s marks',
  'scale.hide': 'Score privately (hide marks)',
  'scale.delete': 'Delete this scale',
  'scale.deleted': 'Scale deleted.',

  'roster.heading': 'Who is here',
  'roster.count.one': '{count} person here',
  'roster.count.other': '{count} people here',
  'roster.here.one': '{count} here',
  'roster.here.other': '{count} here',
  'roster.you': '{name} (you)',
  'roster.entry': '{name}, {role}',
  'roster.entryRelationship': '{name}, {role} ({relationship})',
  'roster.entryAgency': '{name}, {agency} ({role})',
  'roster.takeOut': 'Take out',
  'role.facilitator': 'Facilitator',
  'role.professional': 'Professional',
  'role.family': 'Family',
  'role.viewer': 'Shared screen',
  'person.unknown': 'Someone',
  'person.withRole': '{name} ({role})',
  'person.withRelationship': '{name} ({role}, {relationship})',
  'person.withAgency': '{name}, {agency}',

  'connection.connecting': 'Connecting…',
  'connection.online': 'Connected',
  'connection.offlineShort': 'Offline',
  'connection.endedShort': 'Meeting ended',
  'connection.closedShort': 'Not connected',
  'connection.offline': 'You are offline — your changes are kept and will be sent when you are back. Keep this page open.',
  'connection.back': 'You are back online. Your changes have been sent.',
  'connection.readOnly': 'You can see the map but not change it.',
  'connection.linkInvalid': 'This link is not valid any more. Ask the person running the meeting for a new link.',
  'connection.forbidden': 'You can see the map but not change it.',
  'connection.wrongAddress': 'This page was opened at an address the meeting is not served from. Open the meeting again from its link.',
  'connection.tooLarge': 'The map is too big to save more changes. Ask the person running the meeting for help.',
  'connection.failed': 'A change could not be saved. Reload the page to see the map as it is now.',
  'connection.professionalUnavailable': 'The professionals-only notes could not be opened.',
  'connection.reload': 'Reload the page',

  'saving.notSaved': 'Your changes are not being saved right now. Keep this page open: they will be saved when the server can reach its database again.',

  'waiting.heading': 'Waiting to join',
  'waiting.hint': 'They see a “Please wait” page until you let them in.',
  'waiting.admit': 'Let in',
  'waiting.reject': 'Turn away',
  'waiting.failed': 'That did not work. Try again.',

  'takeOut.title': 'Take {name} out of the meeting?',
  'takeOut.body': 'Their screen will close at once and their link will stop working for them. If they open the link again under another name, they will wait until you let them in.',
  'takeOut.confirm': 'Take them out',
  'takeOut.cancel': 'Keep them in',
  'takeOut.failed': '{name} could not be taken out. Try again.',

  'ended.banner': 'This meeting has ended. The map can no longer be changed.',
  'ended.bannerAt': 'This meeting ended at {time}. The map can no longer be changed.',
  'locked.banner': 'The facilitator has paused changes to the map.',
  'locked.bannerFacilitator': 'Changes are paused for everyone else.',
  'lock.failed': 'Changes could not be paused or allowed. Try again.',

  'toolbar.label': 'Board tools',
  'toolbar.undo': 'Undo',
  'toolbar.redo': 'Redo',
  'toolbar.present': 'Present on the shared screen',
  'screen.label': 'Shared screen',
  'screen.show': 'What the shared screen shows',
  'screen.map': 'Whole map',
  'screen.previous': 'Previous page',
  'screen.next': 'Next page',
  'screen.page': 'Page {page} of {pages}',
  'screen.continued': '(continued)',
  'toolbar.edit': 'Back to editing',
  'toolbar.lock': 'Pause changes',
  'toolbar.unlock': 'Allow changes',
  'toolbar.sections': 'Sections',
  'toolbar.sectionsHeading': 'Extra sections on this map',
  'toolbar.end': 'End the meeting',
  'toolbar.keys': 'Keyboard shortcuts',
  'toolbar.menu': 'Menu',

  'end.title': 'End the meeting?',
  'end.body': 'Everyone will see the map as it is now and nobody will be able to change it. The map is saved for the record.',
  'end.confirm': 'End the meeting',
  'end.cancel': 'Keep the meeting going',
  'end.failed': 'The meeting could not be ended. Try again.',

  'keys.title': 'Keyboard shortcuts',
  'keys.moveUpDown': 'Alt + Up or Down arrow: move the card you are in up or down.',
  'keys.moveSection': 'Alt + Left or Right arrow: move the card to the previous or next section.',
  'keys.undo': 'Ctrl + Z: undo. Ctrl + Shift + Z or Ctrl + Y: redo.',
  'keys.add': 'In a new card, Enter adds it and Escape cancels.',
  'keys.addHere': 'N: add a card here (to the section you are in, or the first part of the map in view). Not while typing.',
  'keys.skip': 'Tab from the top of the page: links to go straight to each part of the map.',
  'keys.close': 'Close',

  'announce.added': '{name} added a card to {section}.',
  'announce.removed': 'A card was removed from {section}.',
  'announce.movedTo': 'A card moved to {section}.',
  'announce.moved': 'A card moved in {section}.',
  'announce.stance': '{name} marked a card in {section}: {stance}.',
  'announce.withdrawn': '{name} withdrew a card from {section}.',
  'announce.restored': 'A withdrawn card was put back in {section}.',
  'announce.removedWithdrawn': 'A withdrawn card was deleted for good.',
  'announce.youWithdrew': 'Card withdrawn. It is now in the list of withdrawn cards.',
  'announce.youRestored': 'Card put back in {section}.',
  'announce.youDeletedForGood': 'Card deleted for good.',
  'announce.mark': '{name} placed a mark on the scale.',
  'announce.scaleAdded': 'A scale was added.',
  'announce.many.one': '{count} change on the map.',
  'announce.many.other': '{count} changes on the map.',
  'announce.youMoved': 'Moved to position {position} of {count} in {section}.',
  'announce.youAdded': 'Card added to {section}.',
  'announce.youDeleted': 'Card deleted. Press Ctrl+Z to undo.',
  'announce.scaleDeleted': 'Scale deleted. Press Ctrl+Z to undo.',
  'announce.markSaved': 'Your mark is saved.',
  'announce.joined': '{name} joined.',
  'announce.left': '{name} left.',
  'announce.ended': 'The meeting has ended.',
  'announce.waiting': '{name} is waiting to join.',
  'announce.admitted': '{name} has been let in.',
  'announce.rejected': '{name} was turned away.',
  'announce.takenOut': '{name} was taken out of the meeting.',
  'announce.undone': 'Undone.',
  'announce.redone': 'Redone.',
  'announce.nothingToUndo': 'Nothing to undo.'
})

/** @typedef {keyof typeof DEFAULT_STRINGS} StringKey */
/**
 * @typedef {StringKey extends infer K ? K extends `${infer B}.other` ? B : never : never} PluralKey
 */
/** @typedef {Record<string, string | number>} Vars */

/**
 * @typedef {{
 *   (key: StringKey, vars?: Vars): string,
 *   plural: (key: PluralKey, count: number, vars?: Vars) => string,
 *   locale: string | undefined
 * }} Translate
 */

/**
 * @param {Record<string, unknown> | undefined} overrides translated texts by key
 * @param {string} [locale] BCP 47 language of the page, for plural rules and dates
 * @returns {Translate}
 */
export function createStrings (overrides, locale) {
  /** @type {Record<string, string>} */
  const table = { ...DEFAULT_STRINGS }
  if (overrides && typeof overrides === 'object') {
    for (const [key, value] of Object.entries(overrides)) if (typeof value === 'string') table[key] = value
  }
  let rules = null
  try {
    rules = new Intl.PluralRules(locale || undefined)
  } catch {
    rules = new Intl.PluralRules('en')
  }
  const pluralRules = rules
  /** @param {string} text @param {Vars | undefined} vars */
  const fill = (text, vars) =>
    vars ? text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole)) : text
  /** @type {Translate} */
  const t = Object.assign(
    /** @param {StringKey} key @param {Vars} [vars] */
    (key, vars) => fill(table[key] ?? key, vars),
    {
      /** @param {PluralKey} key @param {number} count @param {Vars} [vars] */
      plural: (key, count, vars) => {
        const form = pluralRules.select(count)
        const text = table[`${key}.${form}`] ?? table[`${key}.other`] ?? key
        return fill(text, { count, ...vars })
      },
      locale: locale || undefined
    }
  )
  return t
}
