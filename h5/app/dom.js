/* DOM helpers of the H5: build elements from a tag, properties and children. No state. */

export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/* Element.replaceChildren is missing from older phone browsers (before Chrome 86, Safari 14). */
export function setChildren(el, ...children) {
  el.textContent = "";
  el.append(...children);
}

export function notice(text, kind = "info") {
  return h("div", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

export function button(label, onclick, props = {}) {
  return h("button", Object.assign({ type: "button", onclick }, props), label);
}

export function field(label, id, props = {}) {
  return [h("label", { for: id }, label), h("input", Object.assign({ id, name: id }, props))];
}

export function value(id) {
  const el = document.getElementById(id);
  return el ? el.value.trim() : "";
}
