// The H5's routes without a browser (node --test; tests/unit/test_h5_modules.py runs it).
import assert from "node:assert/strict";
import { test } from "node:test";

import { resolveRoute } from "./router.js";

const SCREENS = ["login", "home", "certify", "query", "query-subject", "contact", "face", "review"];

test("no location: home when signed in, login when not", () => {
  assert.deepEqual(resolveRoute("", true, SCREENS), { name: "home", target: "home", arg: undefined });
  assert.deepEqual(resolveRoute("#/", false, SCREENS), { name: "login", target: "login", arg: undefined });
});

test("a screen with its argument, decoded", () => {
  assert.deepEqual(resolveRoute("#/certify/self", true, SCREENS), { name: "certify", target: "certify", arg: "self" });
  assert.deepEqual(resolveRoute("#/certify/c%2F1", true, SCREENS), { name: "certify", target: "certify", arg: "c/1" });
});

test("query names the list without an argument and one person's status with one", () => {
  assert.equal(resolveRoute("#/query", true, SCREENS).target, "query");
  assert.deepEqual(resolveRoute("#/query/c7", true, SCREENS), { name: "query", target: "query-subject", arg: "c7" });
});

test("a screen that needs an argument goes home without one", () => {
  for (const name of ["certify", "contact", "review"]) {
    assert.deepEqual(resolveRoute(`#/${name}`, true, SCREENS), { name, redirect: "home" });
  }
});

test("an unknown screen goes home, or to login when signed out", () => {
  assert.deepEqual(resolveRoute("#/admin", true, SCREENS), { name: "admin", redirect: "home" });
  assert.deepEqual(resolveRoute("#/admin", false, SCREENS), { name: "admin", redirect: "login" });
});

test("a malformed escape in a typed address is a redirect, not an exception", () => {
  assert.deepEqual(resolveRoute("#/certify/%E4%B8", true, SCREENS), { name: "certify", redirect: "home" });
});

test("leaving the face screen is visible in the name", () => {
  assert.equal(resolveRoute("#/face", true, SCREENS).name, "face");
  assert.equal(resolveRoute("#/home", true, SCREENS).name, "home");
});
