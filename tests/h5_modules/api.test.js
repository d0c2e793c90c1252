// The H5's API client without a browser (node --test; tests/unit/test_h5_modules.py runs it).
import assert from "node:assert/strict";
import { test } from "node:test";

import { makeApi, SIGNED_OUT } from "./api.js";

function answering(status, body) {
  const calls = [];
  const fetchImpl = async (url, init) => {
    calls.push({ url, init });
    return {
      status, ok: status >= 200 && status < 300,
      json: async () => { if (body === undefined) throw new SyntaxError("no JSON"); return body; },
    };
  };
  return { calls, fetchImpl };
}

test("a call sends JSON with the token and answers the data", async () => {
  const { calls, fetchImpl } = answering(201, { contact_id: "c1" });
  const api = makeApi({ base: "/api", token: () => "tok", onSignedOut: () => assert.fail("signed out"), fetchImpl });
  assert.deepEqual(await api("POST", "/contacts", { name: "王芳" }), { ok: true, status: 201, data: { contact_id: "c1" } });
  assert.equal(calls[0].url, "/api/contacts");
  assert.deepEqual(calls[0].init.headers,
    { Accept: "application/json", "Content-Type": "application/json", Authorization: "Bearer tok" });
  assert.equal(calls[0].init.body, JSON.stringify({ name: "王芳" }));
});

test("without a token or a body, neither header is sent", async () => {
  const { calls, fetchImpl } = answering(200, { max_failures: 3, lock_hours: 24 });
  const api = makeApi({ base: "/api", token: () => null, onSignedOut: () => {}, fetchImpl });
  await api("GET", "/auth/login-policy");
  assert.deepEqual(calls[0].init.headers, { Accept: "application/json" });
  assert.equal(calls[0].init.body, undefined);
});

test("the contract's error is answered as it came, with its extra fields", async () => {
  const error = { code: "LOGIN_FAILED", message: "手机号码或密码错误", attempts_left: 2 };
  const { fetchImpl } = answering(401, { error });
  const api = makeApi({ base: "/api", token: () => null, onSignedOut: () => assert.fail("no token: not a sign-out"), fetchImpl });
  assert.deepEqual(await api("POST", "/auth/login", {}), { ok: false, status: 401, error, data: { error } });
});

test("a 401 UNAUTHENTICATED with a token signs out once and throws", async () => {
  const error = { code: "UNAUTHENTICATED", message: "登录已过期，请重新登录" };
  const { fetchImpl } = answering(401, { error });
  const seen = [];
  const api = makeApi({ base: "/api", token: () => "old", onSignedOut: (e) => seen.push(e), fetchImpl });
  await assert.rejects(api("GET", "/contacts"), { message: SIGNED_OUT });
  assert.deepEqual(seen, [error]);
});

test("a body that is not JSON gives a busy message with the status", async () => {
  const { fetchImpl } = answering(502, undefined);
  const api = makeApi({ base: "/api", token: () => null, onSignedOut: () => {}, fetchImpl });
  const result = await api("GET", "/query/status?subject=self");
  assert.deepEqual(result.error, { code: "HTTP_502", message: "系统繁忙，请稍后再试" });
  assert.equal(result.ok, false);
});

test("no network answers NETWORK, never throws", async () => {
  const api = makeApi({ base: "/api", token: () => "tok", onSignedOut: () => assert.fail("signed out"),
    fetchImpl: async () => { throw new TypeError("Failed to fetch"); } });
  assert.deepEqual(await api("GET", "/contacts"),
    { ok: false, status: 0, error: { code: "NETWORK", message: "网络连接失败，请检查网络后再试" } });
});

test("a 204 answers no data", async () => {
  const { fetchImpl } = answering(204, undefined);
  const api = makeApi({ base: "/api", token: () => "tok", onSignedOut: () => {}, fetchImpl });
  assert.deepEqual(await api("DELETE", "/contacts/c1"), { ok: true, status: 204, data: null });
});
