/* The H5's routes: "#/<screen>/<argument>". Which screen a location shows, or where it sends the
   person instead; no DOM, so it is tested without a browser (tests/h5_modules). */

// Screens that make no sense without their argument (whose certification, which contact...).
const NEEDS_ARGUMENT = ["certify", "contact", "contact-delete", "home-visit", "review"];

/* { name, target, arg } for the screen to show, or { redirect } ("home" or "login") when the
   location names no known screen or lacks the argument its screen needs. */
export function resolveRoute(hash, signedIn, knownScreens) {
  const path = (hash || "").replace(/^#\/?/, "") || (signedIn ? "home" : "login");
  const [name, rawArg] = path.split("/");
  const target = { query: rawArg ? "query-subject" : "query" }[name] || name;
  if (!knownScreens.includes(target)) return { name, redirect: signedIn ? "home" : "login" };
  if (!rawArg && NEEDS_ARGUMENT.includes(target)) return { name, redirect: "home" };
  let arg;
  try {
    arg = rawArg ? decodeURIComponent(rawArg) : undefined;
  } catch (e) { // a malformed escape in a typed or pasted address
    return { name, redirect: signedIn ? "home" : "login" };
  }
  return { name, target, arg };
}
