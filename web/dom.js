// Small DOM helpers. Every piece of data (keys, values, messages from the server) reaches the page
// through textContent or an attribute, never through innerHTML, so stored data cannot run script.

// h('div.cls#id', {attrs, on: {click: fn}}, ...children): children are nodes or strings (text).
export function h(spec, props, ...children) {
  if (props == null || typeof props !== 'object' || props instanceof Node || Array.isArray(props)) {
    if (props != null) children.unshift(props);
    props = {};
  }
  const m = /^([a-z0-9]+)?((?:[.#][\w-]+)*)$/i.exec(spec);
  const el = document.createElement((m && m[1]) || 'div');
  if (m && m[2]) {
    for (const part of m[2].match(/[.#][\w-]+/g)) {
      if (part[0] === '.') el.classList.add(part.slice(1));
      else el.id = part.slice(1);
    }
  }
  for (const [name, value] of Object.entries(props)) {
    if (value == null || value === false) continue;
    if (name === 'on') {
      for (const [ev, fn] of Object.entries(value)) el.addEventListener(ev, fn);
    } else if (name === 'style' && typeof value === 'object') {
      // Through the CSSOM: the page's Content-Security-Policy forbids inline style attributes.
      Object.assign(el.style, value);
    } else if (name === 'text') {
      el.textContent = String(value);
    } else if (name === 'value') {
      el.value = String(value);
    } else if (name === 'checked' || name === 'disabled' || name === 'hidden') {
      el[name] = Boolean(value);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// Replaces the children of `el` with `children` (nodes or text).
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);

// "3m 05s", "1h 02m", "12s": a short human duration for TTLs.
export function formatSeconds(total) {
  total = Math.max(0, Math.ceil(total));
  const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m ${String(s).padStart(2, '0')}s`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

export function timeOfDay(date = new Date()) {
  return date.toLocaleTimeString([], { hour12: false }) + '.' +
      String(date.getMilliseconds()).padStart(3, '0');
}

// A modal dialog. `body` is a node; `buttons` is [{label, value, kind}]. Resolves to the value of
// the button pressed (or null on Escape / backdrop click).
export function modal(title, body, buttons, { id } = {}) {
  return new Promise((resolve) => {
    const close = (value) => {
      document.removeEventListener('keydown', onKey);
      backdrop.remove();
      resolve(value);
    };
    const onKey = (e) => { if (e.key === 'Escape') close(null); };
    const dialog = h('div.modal', { role: 'dialog', 'aria-modal': 'true', id },
      h('h2', { text: title }),
      body,
      h('div.modal-buttons', buttons.map((b) =>
        h(`button.${b.kind || 'secondary'}`, { type: b.submit ? 'submit' : 'button',
          'data-value': String(b.value), on: { click: () => close(b.value) } }, b.label))));
    const backdrop = h('div.modal-backdrop', { on: { mousedown: (e) => {
      if (e.target === backdrop) close(null);
    } } }, dialog);
    document.addEventListener('keydown', onKey);
    document.body.append(backdrop);
    const first = dialog.querySelector('input, textarea, button.primary, button.danger');
    if (first) first.focus();
  });
}

// A transient message at the bottom of the page.
export function toast(message, kind = 'info') {
  let box = $('#toasts');
  if (!box) document.body.append(box = h('div#toasts', { 'aria-live': 'polite' }));
  const t = h(`div.toast.${kind}`, { text: message });
  box.append(t);
  setTimeout(() => t.remove(), kind === 'error' ? 8000 : 4000);
}
