// deephash search page: upload or drop an image, show the nearest items, click
// one to search with its code. No framework, no external resources.
"use strict";

const $ = (id) => document.getElementById(id);
let health = null;

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

function showQuery(src, caption) {
  $("query").hidden = false;
  $("query-image").src = src;
  $("query-caption").textContent = caption;
}

function searchFile(file) {
  if (!file) return;
  showQuery(URL.createObjectURL(file), file.name);
  const form = new FormData();
  form.append("image", file);
  run(fetch(`/search?k=${chosenK()}`, { method: "POST", body: form }), file.name);
}

function searchResult(result) {
  const caption = `#${result.id}${result.label ? " · " + result.label : ""}`;
  showQuery(result.thumbnail, caption);
  const body = JSON.stringify({ code: result.code, k: chosenK() });
  const headers = { "Content-Type": "application/json" };
  run(fetch("/search/code", { method: "POST", headers, body }), `item ${caption}`);
}

async function run(pending, what) {
  setState("busy", `Searching with ${what}…`);
  try {
    const response = await pending;
    const body = await response.json();
    if (!response.ok) throw new Error(body.message || response.statusText);
    $("results").replaceChildren(...body.results.map(card));
    setState("done", `${body.results.length} nearest items to ${what} (${body.bits}-bit codes). Click one to search with it.`);
  } catch (err) {
    $("results").replaceChildren();
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
  img.src = result.thumbnail;
  img.alt = result.label || `item ${result.id}`;
  img.loading = "lazy";
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
}

wireDrop();
init();
