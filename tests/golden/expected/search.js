// The search page's script (themes/default/templates/search.html loads it as a module):
// the form's data attributes give the Pagefind bundle, the index's parts and the site's URL.
const form = document.getElementById("search-form");
const input = form.elements.q, order = form.elements.sort;
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const more = document.getElementById("search-more");
const PAGE = 10;
// The index comes in parts, oldest articles first (the first with pagefind.js, the others
// merged into it), each tagged with a filter `part` ("0", "1", …) so that a search sorted by
// date can go through them in date order.
const parts = form.dataset.parts.split(" ").filter(Boolean);
let loading = null, results = [], shown = 0, total = 0, generation = 0;
let later = null;  // a search by date: { search(part), parts: the parts not searched yet, in order }

function engine() {
  loading ??= (async () => {
    const pf = await import(form.dataset.pagefind);
    const base = form.dataset.base;
    await pf.options({ baseUrl: base, mergeFilter: { part: "0" } });
    await Promise.all(parts.map((url, i) => pf.mergeIndex(url, { baseUrl: base, mergeFilter: { part: String(i + 1) } })));
    return pf;
  })().catch((error) => { loading = null; throw error; });
  return loading;
}

function entry(data) {
  const li = document.createElement("li");
  li.className = "search-result";
  const h = document.createElement("h2");
  h.className = "teaser-title";
  const a = document.createElement("a");
  a.href = data.url;
  a.textContent = data.meta.title || data.url;
  h.append(a);
  li.append(h);
  const facts = [data.meta.section, data.meta.date].filter(Boolean);
  if (facts.length) {
    const meta = document.createElement("p");
    meta.className = "meta";
    meta.textContent = facts.join(" · ");
    li.append(meta);
  }
  const excerpt = document.createElement("p");
  excerpt.className = "summary";
  excerpt.append(...marked(data));
  li.append(excerpt);
  return li;
}

// Pagefind's excerpt is the text with < and > escaped (but not &) and <mark> around the matches:
// rebuilt as text nodes and <mark> elements, never parsed as HTML. Where the text itself holds
// "&lt;" or "&gt;", unescaping would be ambiguous: the excerpt's words are then found in the text.
function marked(data) {
  const words = data.excerpt.split(" ").map((w) => {
    const mark = w.startsWith("<mark>") && w.endsWith("</mark>");
    return [mark ? w.slice(6, -7) : w, mark];
  });
  let typed = null;
  if (/&(lt|gt);/.test(data.content || "") && !(data.raw_content || "").includes("\u200B")) {
    const all = data.content.split(/[\r\n\s]+/g);
    const esc = (w) => w.replaceAll("<", "&lt;").replaceAll(">", "&gt;");
    for (let k = 0; k + words.length <= all.length && !typed; k++) {
      if (words.every(([w], i) => esc(all[k + i]) === w)) typed = all.slice(k, k + words.length);
    }
  }
  const nodes = [];
  words.forEach(([w, mark], i) => {
    if (i) nodes.push(document.createTextNode(" "));
    const text = document.createTextNode(typed ? typed[i] : w.replaceAll("&lt;", "<").replaceAll("&gt;", ">"));
    if (mark) { const m = document.createElement("mark"); m.append(text); nodes.push(m); } else nodes.push(text);
  });
  return nodes;
}

async function showMore(run) {
  more.disabled = true;  // one batch at a time: a search by date fetches parts in order
  const pending = later;
  while (pending && pending.parts.length && results.length < shown + PAGE) {
    const found = await pending.search(pending.parts.shift());  // the next part's results
    if (run !== generation) return;
    results.push(...found.results);
  }
  const batch = results.slice(shown, shown + PAGE);
  shown += batch.length;
  const found = await Promise.all(batch.map((r) => r.data()));
  if (run !== generation) return;
  list.append(...found.map(entry));
  more.hidden = shown >= total;
  more.disabled = false;
}

async function search() {
  const run = ++generation;
  const q = input.value.trim();
  const url = new URL(location.href);
  for (const [key, value] of [["q", input.value], ["sort", order.value]]) {
    if (value) url.searchParams.set(key, value); else url.searchParams.delete(key);
  }
  history.replaceState(null, "", url);
  if (!q) {
    list.replaceChildren();
    status.textContent = "";
    more.hidden = true;
    return;
  }
  try {
    const pf = await engine();
    // Best match: one search of every part. By date: Pagefind orders each part's results but
    // not the parts, so one part at a time (newest or oldest first), the next when needed.
    const sort = order.value ? { date: order.value === "newest" ? "desc" : "asc" } : null;
    const queue = sort ? Array.from({ length: parts.length + 1 }, (_, i) => String(i)) : [];
    if (order.value === "newest") queue.reverse();
    const options = sort ? { sort, filters: { part: queue.shift() } } : {};
    const found = await pf.debouncedSearch(q, options, 200);
    if (found === null || run !== generation) return;  // a newer search took over
    results = found.results;
    // (filtered by part, the count before filters is every part's)
    total = sort ? found.unfilteredResultCount : results.length;
    later = sort ? { search: (part) => pf.search(q, { sort, filters: { part } }), parts: queue } : null;
    shown = 0;
    list.replaceChildren();
    const n = total;
    status.textContent = n ? `${n.toLocaleString("en")} article${n === 1 ? "" : "s"} found for “${q}”.` : `Nothing found for “${q}”.`;
    await showMore(run);
  } catch (error) {
    status.textContent = "Search is unavailable right now.";
    throw error;
  }
}

form.addEventListener("submit", (event) => { event.preventDefault(); search(); });
input.addEventListener("input", search);
order.addEventListener("change", search);
more.addEventListener("click", () => showMore(generation));
const params = new URLSearchParams(location.search);
input.value = params.get("q") || "";
order.value = ["newest", "oldest"].includes(params.get("sort")) ? params.get("sort") : "";
if (input.value) search();
