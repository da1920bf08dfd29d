// The Cutover page: log in, then follow the node's live cluster document (server-sent events) and render each
// part only when it changed. Every text goes in through textContent: nothing from the cluster becomes markup.
'use strict';

const api = path => '/cutover/api/' + path;
let session = null;
let events = null;
const shown = {};

const $ = id => document.getElementById(id);

function cell(row, text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  row.appendChild(td);
  return td;
}

async function post(path, fields) {
  const body = new URLSearchParams(fields);
  const resp = await fetch(api(path), {
    method: 'POST', body, credentials: 'same-origin',
    headers: { 'X-Cutover-Csrf': session ? session.csrf : 'login' },
  });
  const doc = await resp.json().catch(() => ({ error: 'HTTP ' + resp.status }));
  if (resp.status === 401 && path !== 'login') showLogin('your login ended: log in again');
  return { ok: resp.ok, status: resp.status, doc };
}

function showLogin(message) {
  session = null;
  if (events) { events.close(); events = null; }
  for (const k of Object.keys(shown)) delete shown[k];
  $('view').hidden = true;
  $('who').hidden = true;
  $('login').hidden = false;
  $('login-user').value = '';
  $('login-password').value = '';
  $('login-error').textContent = message || '';
  $('login-user').focus();
}

function start(s) {
  session = s;
  $('login').hidden = true;
  $('who').hidden = false;
  $('user').textContent = s.user + ' (' + s.roles.join(', ') + ')';
  document.body.classList.toggle('viewer', !s.may.adjust && !s.may.hold);
  $('actions').hidden = !s.may.adjust;
  $('view').hidden = false;
  events = new EventSource(api('events'));
  events.onmessage = e => render(JSON.parse(e.data));
  events.onopen = () => { $('live').textContent = 'live'; };
  events.addEventListener('logout', () => showLogin('your login ended: log in again'));
  events.onerror = async () => {
    $('live').textContent = 'reconnecting…';
    const r = await fetch(api('session'), { credentials: 'same-origin' });
    if (r.status === 401) showLogin('your login ended: log in again');
  };
}

function changed(part, value) {
  const json = JSON.stringify(value);
  if (shown[part] === json) return false;
  shown[part] = json;
  return true;
}

function render(doc) {
  $('live').textContent = 'live, updated ' + new Date().toLocaleTimeString();
  if (changed('where', [doc.node])) $('where').textContent = 'node ' + doc.node;
  if (changed('log', doc.log)) {
    const l = doc.log;
    $('log').textContent = (l.primary ? 'in the primary component' : 'NOT in the primary component')
      + ', leader ' + (l.leader || 'none') + ', committed ' + l.commit + ', applied ' + l.applied
      + (l.lag > 0 ? ' (' + l.lag + ' behind)' : '');
    $('log').className = l.primary && l.lag === 0 ? '' : 'behind';
  }
  if (changed('nodes', doc.nodes)) renderNodes(doc.nodes);
  if (changed('groups', doc.groups)) renderGroups(doc.groups);
  if (changed('history', doc.history)) renderHistory(doc.history);
  if (changed('revoked', doc.revoked)) renderRevoked(doc.revoked);
  if (changed('upgrade', doc.upgrade)) renderUpgrade(doc.upgrade);
  if (changed('health', doc.health)) renderHealth(doc.health);
}

function renderNodes(nodes) {
  const body = $('nodes').tBodies[0];
  body.replaceChildren();
  for (const n of nodes) {
    const row = body.insertRow();
    row.dataset.node = n.name;
    cell(row, n.name);
    cell(row, n.status, 'status ' + n.status);
    cell(row, n.levels.join(', '), 'levels');
    cell(row, n.voter ? 'yes' : 'learner');
    cell(row, n.address);
  }
}

function renderGroups(groups) {
  const body = $('groups').tBodies[0];
  body.replaceChildren();
  for (const g of groups) {
    const row = body.insertRow();
    row.dataset.group = g.name;
    cell(row, g.name);
    cell(row, String(g.level), 'num level' + (g.level < g.potential && !g.held ? ' behind' : ''));
    cell(row, String(g.potential), 'num potential');
    cell(row, String(g.epoch), 'num epoch');
    cell(row, g.held ? 'held' : '', 'hold');
    cell(row, g.members.length + ': ' + g.members.join(' '), 'members');
    const act = cell(row, '', 'admin-only');
    if (session && session.may.hold) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'hold-toggle';
      b.textContent = g.held ? 'Release' : 'Hold';
      b.onclick = () => act_('hold', { held: String(!g.held), groups: g.name });
      act.appendChild(b);
    }
  }
}

function renderHistory(history) {
  const body = $('history').tBodies[0];
  body.replaceChildren();
  for (const h of history) {
    const row = body.insertRow();
    cell(row, h.when);
    cell(row, h.by, 'by');
    cell(row, h.groups.join(', '), 'groups');
    cell(row, String(h.from), 'num from');
    cell(row, String(h.to), 'num to');
    cell(row, String(h.epoch), 'num');
    cell(row, h.millis == null ? '-' : h.millis.toFixed(1) + ' ms', 'num');
    cell(row, h.outcome, 'outcome');
  }
}

function renderRevoked(revoked) {
  $('revoked').hidden = revoked.length === 0;
  const body = $('revoked-certificates').tBodies[0];
  body.replaceChildren();
  for (const r of revoked) {
    const row = body.insertRow();
    cell(row, r.node, 'node');
    cell(row, r.fingerprint, 'fingerprint');
  }
}

const PROGRESS = { WAITING: 0, INSTALLING: 50, CAPABLE: 100, SIMULATED: 100, FAILED: 100 };

function renderUpgrade(u) {
  $('upgrade').hidden = !u;
  if (!u) return;
  $('upgrade-heading').textContent = (u.dryRun ? 'Dry run of the ' : '')
    + (u.retire ? (u.dryRun ? 'retirement of ' : 'Retirement of ') : (u.dryRun ? 'upgrade to ' : 'Upgrade to ')) + u.feature
    + ', asked by ' + u.by + ' at ' + u.at + ': ' + u.state + (u.endedBy ? ' by ' + u.endedBy : '');
  $('upgrade-heading').className = 'upgrade-state ' + u.state;
  const body = $('upgrade-nodes').tBodies[0];
  body.replaceChildren();
  for (const n of u.nodes) {
    const row = body.insertRow();
    row.dataset.node = n.node;
    cell(row, n.node);
    const bar = document.createElement('progress');
    bar.max = 100;
    bar.value = PROGRESS[n.phase];
    cell(row, '').appendChild(bar);
    cell(row, n.phase, 'phase ' + n.phase);
    cell(row, n.at);
    cell(row, n.detail, 'detail');
  }
}

function renderHealth(health) {
  const body = $('health').tBodies[0];
  body.replaceChildren();
  if (health.length === 0) {
    cell(body.insertRow(), 'no health check with tag cutover on this node (feature cutover-health)', 'muted');
  }
  for (const h of health) {
    const row = body.insertRow();
    cell(row, h.name);
    cell(row, h.status, h.status);
    cell(row, h.message);
  }
}

async function act_(path, fields) {
  $('result').textContent = path + '…';
  $('result').className = 'muted';
  const r = await post(path, fields);
  $('result').textContent = r.ok ? r.doc.message : (r.doc.error || 'HTTP ' + r.status);
  $('result').className = r.ok && r.doc.passed !== false ? 'done' : 'error';
}

function adjustFields() {
  return {
    groups: $('adjust-groups').value, level: $('adjust-level').value,
    downgrade: String($('adjust-downgrade').checked), noRevert: String($('adjust-no-revert').checked),
  };
}

document.addEventListener('DOMContentLoaded', async () => {
  $('login').addEventListener('submit', async e => {
    e.preventDefault();
    const r = await post('login', { user: $('login-user').value, password: $('login-password').value });
    $('login-password').value = '';
    if (r.ok) start(r.doc); else $('login-error').textContent = r.doc.error;
  });
  $('logout').addEventListener('click', async () => {
    await post('logout', {});
    showLogin('logged out');
  });
  $('adjust').addEventListener('submit', e => { e.preventDefault(); act_('adjust', adjustFields()); });
  $('check-submit').addEventListener('click', () => act_('check', adjustFields()));
  const r = await fetch(api('session'), { credentials: 'same-origin' });
  if (r.ok) start(await r.json()); else showLogin('');
});
