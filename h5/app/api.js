/* The API client of the H5: JSON in and out, the caller's token, and the contract's error shape.
   Every call answers { ok, status, data } or { ok: false, status, error, data }; it throws only when
   the server ended the sign-in (401 UNAUTHENTICATED with a token), after onSignedOut(error). */

export const SIGNED_OUT = "signed out";
const NETWORK_ERROR = { code: "NETWORK", message: "网络连接失败，请检查网络后再试" };
const BUSY_MESSAGE = "系统繁忙，请稍后再试";

/* base: the API's path prefix; token(): the current token or null; fetchImpl: window.fetch, looked
   up on every call (tests and the page's probes may wrap it); onSignedOut(error): the page signs out. */
export function makeApi({ base, token, onSignedOut, fetchImpl = (...args) => globalThis.fetch(...args) }) {
  return async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const current = token();
    if (current) headers.Authorization = `Bearer ${current}`;
    let response;
    try {
      response = await fetchImpl(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      return { ok: false, status: 0, error: Object.assign({}, NETWORK_ERROR) };
    }
    let data = null;
    try { data = response.status === 204 ? null : await response.json(); } catch (e) { data = null; }
    if (response.ok) return { ok: true, status: response.status, data };
    const error = (data && data.error) || { code: "HTTP_" + response.status, message: BUSY_MESSAGE };
    if (response.status === 401 && error.code === "UNAUTHENTICATED" && current) {
      onSignedOut(error);
      throw new Error(SIGNED_OUT);
    }
    return { ok: false, status: response.status, error, data };
  };
}
