// Dev harness: builds a board-config from the query string, like the server's page would, then
// loads the committed bundle. Serve the repo root (python -m http.server) and open e.g.
//   /client/dev/index.html?meeting=ID&token=TOKEN&name=Ana&role=family
// Optional: ws=ws://127.0.0.1:8123/ws, professional=1, mode=present, pid=participant-id,
// relationship=Mum, status=ended.
const q = new URLSearchParams(window.location.search)
const role = q.get('role') || 'family'
const name = q.get('name') || 'Dev'
const mode = q.get('mode') === 'present' ? 'present' : 'edit'
const sections = {
  harm: { label: 'What has happened', prompt: 'What has happened to the child? Say what happened, when, and who saw it.' },
  danger: { label: 'Worries for the future', prompt: 'Who is worried, about what someone does, and what could happen to the child?' },
  complicating: { label: 'What makes it harder', prompt: 'What makes things harder to sort out?' },
  strengths: { label: 'Strengths', prompt: 'Who and what helps the child? What is going well?' },
  safety: { label: 'What already keeps the child safe', prompt: 'What have people already done, again and again, that keeps the child safe?' },
  goals: { label: 'Safety goals', prompt: 'When things are good enough, what will the adults do and the child notice?' },
  next_steps: { label: 'Next steps', prompt: 'What happens next, who will do it, and by when?' }
}
const config = {
  wsUrl: q.get('ws') || 'ws://127.0.0.1:8123/ws',
  meetingId: q.get('meeting') || '',
  params: { token: q.get('token') || '', name, ...(q.get('relationship') ? { relationship: q.get('relationship') } : {}) },
  professional: q.get('professional') === '1',
  participant: { id: q.get('pid') || `dev-${name}`, name, role, relationship: q.get('relationship') || '' },
  canEdit: role !== 'viewer' && q.get('status') !== 'ended',
  isFacilitator: role === 'facilitator',
  status: q.get('status') === 'ended' ? 'ended' : 'open',
  endedAt: q.get('status') === 'ended' ? new Date().toISOString() : null,
  mode,
  labelSet: 'child_protection',
  columns: [
    { id: 'worries', title: 'What are we worried about?', sections: ['harm', 'danger', 'complicating'] },
    { id: 'working_well', title: "What's working well?", sections: ['strengths', 'safety'] },
    { id: 'needs_to_happen', title: 'What needs to happen?', sections: ['goals', 'next_steps'] }
  ],
  sections,
  optionalSections: {
    unknowns: { label: "Things we don't know yet", prompt: 'What do we still need to find out?' },
    child_voice: { label: "The child's voice", prompt: 'What has the child said, drawn or shown us?' },
    safety_network: { label: 'Safety network', prompt: 'Who can help, and how?' },
    safety_plan: { label: 'Safety plan', prompt: "What are the family's rules, and the warning signs to act on?" }
  },
  strings: {},
  presentUrl: `${window.location.pathname}?${new URLSearchParams({ ...Object.fromEntries(q), mode: 'present', role: 'viewer' })}`
}
document.getElementById('board')?.setAttribute('data-mode', mode)
if (q.get('title')) document.getElementById('dev-title').textContent = q.get('title')
const script = document.createElement('script')
script.type = 'application/json'
script.id = 'board-config'
script.textContent = JSON.stringify(config)
document.body.append(script)
await import('/server/static/board.js')
