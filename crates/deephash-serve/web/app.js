// deephash search page: upload or drop an image, show the nearest items, click
// one to search with its code. No framework, no external resources.
"use strict";

const $ = (id) => document.getElementById(id);
let health = null;

// The access token, when the service needs one: asked once, kept for this tab's
// session only (sessionStorage), sent as `Authorization: Bearer` on every call.
// Thumbnails are fetched with it too and shown from blob URLs.
const TOKEN_KEY = "deephash-token";
let token = sessionStorage.getItem(TOKEN_KEY);
let gridUrls = [];
let queryUrl = null;

function withToken(headers = {}) {
  return token ? { ...headers, Authorization: `Bearer ${token}` } : headers;
}

async function api(url, options = {}) {
  const response = await fetch(url, { ...options, headers: withToken(options.headers) });
  if (response.status === 401) {
    askToken("The access token was refused: enter it again.");
    throw new Error("the access token was refused");
  }
  return response;
}

// Shows `url` (an image of the service) in `img`: directly without a token,
// else fetched with the token into a blob URL, which `keep` receives.
async function showImage(img, url, keep) {
  if (!token) {
    img.src = url;
    return;
  }
  try {
    const response = await api(url);
    if (!response.ok) throw new Error(response.statusText);
    const blobUrl = URL.createObjectURL(await response.blob());
    keep(blobUrl);
    img.src = blobUrl;
  } catch (err) {
    img.alt = `${img.alt} (${err.message})`;
  }
}

function askToken(message) {
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $("login").hidden = false;
  $("login-error").textContent = message;
  $("token").focus();
  setState("locked", "This search service needs an access token.");
}

async function unlock(event) {
  event.preventDefault();
  const candidate = $("token").value.trim();
  if (!candidate) return;
  // Any protected route checks the token; the API description is small and static.
  const response = await fetch("/openapi.json", { headers: { Authorization: `Bearer ${candidate}` } });
  if (response.status === 401) {
    $("login-error").textContent = "That token was refused.";
    return;
  }
  token = candidate;
  sessionStorage.setItem(TOKEN_KEY, token);
  $("token").value = "";
  $("login").hidden = true;
  setState("idle", "Search the database with an image of your own, then click a result to search with it.");
}

function setState(state, text, isError = false) {
  document.body.dataset.state = state;
  $("status").textContent = text;
  $("status").classList.toggle("error", isError);
}

async function init() {
  try {
    const response = await fetch("/health");
    health = await response.json();
    $("stats").textContent = `${health.items} items · ${health.bits}-bit codes`;
    $("k").max = health.max_k;
    $("k").value = health.default_k;
    if (health.token_required && !token) {
      askToken("");
      return;
    }
    setState("idle", $("status").textContent);
  } catch (err) {
    setState("error", `The search service is unreachable: ${err.message}`, true);
  }
}

function chosenK() {
  const max = health ? health.max_k : 1000;
  const k = Math.round(Number($("k").value)) || 10;
  return Math.min(Math.max(k, 1), max);
}

function searchFile(file) {
  if (!file) return;
  showQuery(URL.createObjectURL(file), file.name);
  const form = new FormData();
  form.append("image", file);
  run(api(`/search?k=${chosenK()}`, { method: "POST", body: form }), file.name);
}

function showQuery(src, caption) {
  $("query").hidden = false;
  $("query-caption").textContent = caption;
  if (queryUrl) URL.revokeObjectURL(queryUrl);
  queryUrl = null;
  if (src.startsWith("blob:")) {
    queryUrl = src;
    $("query-image").src = src;
  } else {
    showImage($("query-image"), src, (url) => { queryUrl = url; });
  }
}

function searchResult(result) {
  const caption = `#${result.id}${result.label ? " · " + result.label : ""}`;
  showQuery(result.thumbnail, caption);
  const body = JSON.stringify({ code: result.code, k: chosenK() });
  const headers = { "Content-Type": "application/json" };
  run(api("/search/code", { method: "POST", headers, body }), `item ${caption}`);
}

async function run(pending, what) {
  setState("busy", `Searching with ${what}…`);
  try {
    const response = await pending;
    const body = await response.json();
    if (!response.ok) throw new Error(body.message || response.statusText);
    for (const url of gridUrls) URL.revokeObjectURL(url);
    gridUrls = [];
    $("results").replaceChildren(...body.results.map(card));
    setState("done", `${body.results.length} nearest items to ${what} (${body.bits}-bit codes). Click one to search with it.`);
  } catch (err) {
    $("results").replaceChildren();
    if (!$("login").hidden) return; // the token was refused: the login form says so
    setState("error", `Search failed: ${err.message}`, true);
  }
}

function card(result) {
  const button = document.createElement("button");
  button.className = "result";
  button.dataset.id = result.id;
  button.dataset.distance = result.distance;
  button.title = `${result.path}\n#${result.rank}, Hamming distance ${result.distance}`;
  const img = document.createElement("img");
  img.alt = result.label || `item ${result.id}`;
  img.loading = "lazy";
  showImage(img, result.thumbnail, (url) => gridUrls.push(url));
  const meta = document.createElement("span");
  meta.className = "meta";
  const distance = document.createElement("span");
  distance.className = "distance";
  distance.textContent = `d = ${result.distance}`;
  const label = document.createElement("span");
  label.className = "label";
  label.textContent = result.label ?? "";
  meta.append(distance, label);
  button.append(img, meta);
  button.addEventListener("click", () => searchResult(result));
  return button;
}

function wireDrop() {
  const drop = $("drop");
  for (const name of ["dragenter", "dragover"]) {
    drop.addEventListener(name, (event) => { event.preventDefault(); drop.classList.add("over"); });
  }
  for (const name of ["dragleave", "drop"]) {
    drop.addEventListener(name, () => drop.classList.remove("over"));
  }
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    searchFile(event.dataTransfer.files[0]);
  });
  $("file").addEventListener("change", (event) => searchFile(event.target.files[0]));
  $("login").addEventListener("submit", unlock);
}

wireDrop();
init();
