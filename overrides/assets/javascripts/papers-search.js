// Search for Papers Archive: Pagefind's index, shown in Material's search overlay.
//
// Loaded by partials/search.html the first time a reader opens search, never before.
// The index is split into shards of papers by date (generator/search.py): the newest
// shard answers first, then the older ones are merged in and the results refined, so a
// first search downloads only the newest shard's page list.
//
// Every piece of paper text is inserted as text (textContent), never as HTML.

const PAGE = 10; // results shown at once; "Show more" adds as many
const EXCERPT_WORDS = 32;
// Typing pauses this long before a search starts: searching every prefix ("d", "di", "dif"…)
// would download the index chunks of words the reader is not looking for, and queue behind them.
const PAUSE_MS = 100;
// A long query is searched for its longest words only: each word costs a download of its
// part of the index from every shard (about 25 KB each), and a paper matching the three
// most specific words of a title is that paper. Shorter words are the common ones.
const MAX_TERMS = 3;
// The older shards are merged in only once typing has paused this long after the first results:
// merging downloads every older shard's page list, and a query typed meanwhile would wait for it.
const MERGE_PAUSE_MS = 300;
const COMMON = new Set("a an and are as at be by for from in into is it its of on or our over the to under using via we with without".split(" "));

const STYLE = `
.papers-search__filters { display: flex; flex-wrap: wrap; gap: .4rem .8rem; padding: .6rem .8rem 0; font-size: .64rem; }
.papers-search__filters label { display: flex; align-items: center; gap: .3rem; color: var(--md-default-fg-color--light); }
.papers-search__filters select { font: inherit; color: var(--md-default-fg-color); background: var(--md-default-bg-color);
  border: .05rem solid var(--md-default-fg-color--lighter); border-radius: .1rem; padding: .1rem .2rem; max-width: 12rem; }
.papers-search .papers-search__authors { margin: .2em 0; color: var(--md-default-fg-color--light); }
.papers-search .papers-search__authors strong { color: var(--md-default-fg-color); }
.papers-search .papers-search__tags { margin: .2em 0; }
.papers-search .papers-search__tag { display: inline-block; margin: 0 .3em .2em 0; padding: 0 .5em; border-radius: .5em;
  background: var(--md-default-fg-color--lightest); color: var(--md-default-fg-color--light); font-size: .9em; }
.papers-search .papers-search__more { margin: .8rem; font: inherit; font-size: .64rem; color: var(--md-accent-fg-color);
  background: none; border: .05rem solid currentColor; border-radius: .1rem; padding: .2rem .6rem; cursor: pointer; }
`;

export async function start(box, base) {
  const manifest = await (await fetch(`${base}search/index.json`)).json();
  const ui = new SearchBox(box, base, manifest);
  await ui.ready;
  return ui;
}

class SearchBox {
  constructor(box, base, manifest) {
    this.box = box;
    this.toggle = document.getElementById("__search");
    this.input = box.querySelector(".md-search__input");
    this.status = box.querySelector(".md-search-result__meta");
    this.list = box.querySelector(".md-search-result__list");
    this.base = base;
    this.manifest = manifest;
    this.serial = 0;
    this.merged = manifest.shards.length <= 1;
    this.addStyle();
    this.filters = this.addFilters();
    this.ready = this.load();
  }

  async load() {
    const [first] = this.manifest.shards;
    if (!first) {
      this.status.textContent = "The archive has no papers yet";
      return;
    }
    this.pagefind = await import(`${this.base}search/${first}/pagefind.js`);
    // Results link to the site's own root, also when it is served under a path (GitHub Pages: /<repo>/).
    this.baseUrl = new URL(this.base).pathname;
    await this.pagefind.options({ baseUrl: this.baseUrl });
    this.pagefind.init(); // fetch the engine and the newest shard's page list while the reader types
    this.listen();
    if (this.input.value.trim()) this.request();
  }

  // The older shards, merged once, after the first results are on screen.
  mergeOlder() {
    this.merging =
      this.merging ||
      Promise.all(this.manifest.shards.slice(1).map((name) => this.pagefind.mergeIndex(`${this.base}search/${name}/`, { baseUrl: this.baseUrl }))).then(() => {
        this.merged = true;
      });
    return this.merging;
  }

  addStyle() {
    const style = document.createElement("style");
    style.textContent = STYLE;
    document.head.append(style);
  }

  addFilters() {
    const row = document.createElement("div");
    row.className = "papers-search__filters";
    const select = (label, name, options) => {
      const wrapper = document.createElement("label");
      const element = document.createElement("select");
      element.name = name;
      for (const [value, text] of options) element.append(new Option(text, value));
      wrapper.append(label, element);
      row.append(wrapper);
      return element;
    };
    const result = {
      tag: select("Tag", "tag", [["", "All tags"], ...this.manifest.tags.map((t) => [t, t])]),
      year: select("Year", "year", [["", "All years"], ...this.manifest.years.map((y) => [y, y])]),
      sort: select("Sort", "sort", [["", "Relevance"], ["newest", "Newest"]]),
    };
    this.box.querySelector(".md-search-result").before(row);
    return result;
  }

  listen() {
    this.input.addEventListener("input", () => this.schedule());
    for (const element of Object.values(this.filters)) element.addEventListener("change", () => this.request());
    this.box.querySelector("button[type=reset]").addEventListener("click", () => setTimeout(() => this.request()));
    this.input.addEventListener("keydown", (event) => this.onInputKey(event));
    this.list.addEventListener("keydown", (event) => this.onListKey(event));
    this.list.addEventListener("click", (event) => {
      if (event.target.closest("a")) this.close();
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.toggle.checked) this.close();
    });
  }

  close() {
    this.toggle.checked = false;
    this.input.blur();
  }

  onInputKey(event) {
    const first = this.list.querySelector("a");
    if (event.key === "ArrowDown" && first) {
      event.preventDefault();
      first.focus();
    } else if (event.key === "Enter" && first) {
      event.preventDefault();
      first.click();
    }
  }

  onListKey(event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    event.preventDefault();
    const links = [...this.list.querySelectorAll("a")];
    const at = links.indexOf(document.activeElement);
    const next = at + (event.key === "ArrowDown" ? 1 : -1);
    if (next < 0) this.input.focus();
    else links[Math.min(next, links.length - 1)].focus();
  }

  options() {
    const filters = {};
    if (this.filters.tag.value) filters.tag = this.filters.tag.value;
    if (this.filters.year.value) filters.year = this.filters.year.value;
    return { filters, newest: this.filters.sort.value === "newest", filtered: Object.keys(filters).length > 0 };
  }

  // Newest published first, without a sort in the index and without loading any result: a
  // result's id is "<shard>_<n>", where n is the paper's rank by publication date within its
  // shard (generator/canonical.py), and the manifest gives each shard's ranks as runs of one
  // month, so papers of several shards compare by month, then by shard (newest first) and rank.
  // Hand-written pages come last.
  newestFirst(results) {
    const rank = (result) => {
      const cut = result.id.lastIndexOf("_");
      const name = result.id.slice(0, cut);
      const shard = this.manifest.shards.indexOf(name);
      const n = Number(result.id.slice(cut + 1));
      const runs = (this.manifest.months || {})[name];
      if (!runs || shard < 0) return [1, 0, 0, 0];
      let month = 0;
      for (let at = 0, seen = 0; at < runs.length; at++) {
        seen += runs[at][1];
        if (n < seen) {
          month = runs[at][0];
          break;
        }
      }
      return [0, -month, shard, -n];
    };
    const keyed = results.map((result) => [rank(result), result]);
    keyed.sort(([a], [b]) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || a[3] - b[3]);
    return keyed.map(([, result]) => result);
  }

  // One search at a time, for the latest query: a query typed while one runs waits for it, then runs alone.
  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.request(), PAUSE_MS);
  }

  request() {
    if (this.running) this.again = true;
    else this.run();
  }

  async run() {
    this.running = true;
    try {
      await this.search();
    } finally {
      this.running = false;
    }
    if (this.again) {
      this.again = false;
      this.run();
    }
  }

  async search() {
    const serial = ++this.serial;
    const stale = () => this.again || serial !== this.serial; // a newer query waits: stop here
    const query = this.input.value.trim();
    const { filters, newest, filtered } = this.options();
    if (!query && !filtered) {
      this.show(serial, query, null);
      return;
    }
    const terms = searchTerms(query);
    const search = async () => {
      const response = await this.pagefind.search(terms || null, { filters });
      return { ...response, results: newest ? this.newestFirst(response.results) : papersFirst(response.results) };
    };
    let response = await search();
    if (stale()) return;
    await this.show(serial, query, response);
    if (!this.merged && !stale()) {
      if (!this.merging) await new Promise((resolve) => setTimeout(resolve, MERGE_PAUSE_MS));
      if (stale()) return;
      await this.mergeOlder();
      if (stale()) return;
      response = await search();
      if (stale()) return;
      await this.show(serial, query, response);
    }
  }

  async show(serial, query, response) {
    if (!response) {
      this.list.replaceChildren();
      this.status.textContent = "Search titles, authors, abstracts and tags";
    } else {
      const first = await Promise.all(response.results.slice(0, PAGE).map((result) => result.data()));
      if (serial !== this.serial) return;
      const pages = this.filters.sort.value === "newest" ? first : titleFirst(first, query);
      const items = pages.map((page) => this.item(page));
      this.list.replaceChildren(...items);
      this.results = response.results;
      this.shown = items.length;
      this.addMore();
      this.status.textContent = this.summary(response.results.length);
    }
    this.list.dataset.papersQuery = query;
    this.list.dataset.papersComplete = String(this.merged);
  }

  summary(count) {
    const found = count === 0 ? "No matching papers" : count === 1 ? "1 matching paper" : `${count} matching papers`;
    return this.merged ? found : `${found} so far; searching older papers…`;
  }

  addMore() {
    if (this.shown >= this.results.length) return;
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "papers-search__more";
    button.textContent = `Show ${Math.min(PAGE, this.results.length - this.shown)} more`;
    button.addEventListener("click", async () => {
      const serial = this.serial;
      const items = await this.items(this.results.slice(this.shown, this.shown + PAGE));
      if (serial !== this.serial) return;
      item.replaceWith(...items);
      this.shown += items.length;
      this.addMore();
      items[0]?.querySelector("a")?.focus();
    });
    item.append(button);
    this.list.append(item);
  }

  async items(results) {
    const data = await Promise.all(results.map((result) => result.data()));
    return data.map((page) => this.item(page));
  }

  item(page) {
    const meta = page.meta || {};
    const article = element("article", "md-search-result__article md-typeset");
    article.append(element("h1", "", meta.title || page.url));
    const byline = authorLine(names(meta.authors), this.input.value);
    if (meta.date) byline.push(meta.date);
    if (byline.length) {
      const line = element("p", "papers-search__authors");
      byline.forEach((part, at) => line.append(...(at ? [" · "] : []), part));
      article.append(line);
    }
    const tags = (page.filters && page.filters.tag) || [];
    if (tags.length) {
      const chips = element("p", "papers-search__tags");
      for (const tag of tags) chips.append(element("span", "papers-search__tag", tag));
      article.append(chips);
    }
    article.append(excerpt(page, Number(meta.body_words) || 0));
    const link = element("a", "md-search-result__link");
    link.href = page.url;
    link.append(article);
    const item = element("li", "md-search-result__item");
    item.append(link);
    return item;
  }
}

// What Pagefind is asked: the query without initials, or for a long one its MAX_TERMS longest
// words that are not common ones (quoted phrases are left alone). Pagefind reads every word as the
// start of a word: the "R" of "Samuel R. Bowman" would match "reward", "rate", "reduces". A query
// that is nothing but single letters is asked as it is.
function searchTerms(query) {
  if (query.includes('"')) return query;
  const all = query.split(/\s+/).filter(Boolean);
  const words = all.filter((word) => plainWord(word).length > 1);
  if (!words.length) return query;
  if (words.length <= MAX_TERMS) return words.join(" ");
  const specific = words.map((word, at) => [plainWord(word), word, at]).filter(([p]) => p && !COMMON.has(p));
  specific.sort((a, b) => b[0].length - a[0].length || a[2] - b[2]);
  const kept = specific.slice(0, MAX_TERMS).sort((a, b) => a[2] - b[2]);
  return kept.length ? kept.map(([, word]) => word).join(" ") : words.join(" ");
}

function plainWord(word) {
  return word.normalize("NFD").toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
}

// Papers before hand-written pages (About…), each in Pagefind's order: a reader searches for papers.
function papersFirst(results) {
  const page = (result) => result.id.startsWith("pages_");
  return [...results.filter((result) => !page(result)), ...results.filter(page)];
}

function names(json) {
  try {
    const list = JSON.parse(json || "[]");
    return Array.isArray(list) ? list.map(String) : [];
  } catch {
    return [];
  }
}

// The first three authors, then any other author the query names (in bold, so a reader sees why the
// paper is here), then "et al." for the rest.
const SHOWN_AUTHORS = 3;
function authorLine(authors, query) {
  const words = query.split(/\s+/).map(plainWord).filter((word) => word.length > 1);
  const matches = (name) => words.length > 0 && name.split(/[\s\-.]+/).map(plainWord).some((part) => part && words.some((word) => part.startsWith(word)));
  const parts = [];
  let skipped = false;
  authors.forEach((name, at) => {
    const hit = matches(name);
    if (at < SHOWN_AUTHORS || hit) {
      if (skipped) parts.push("…");
      skipped = false;
      parts.push(hit ? element("strong", "", name) : name);
    } else skipped = true;
  });
  if (!parts.length) return [];
  const line = element("span");
  parts.forEach((part, at) => line.append(...(at ? [part === "…" || parts[at - 1] === "…" ? " " : ", "] : []), part));
  if (skipped) line.append(" et al.");
  return [line];
}

// A paper whose title is the query goes first: the reader pasted a title.
function titleFirst(pages, query) {
  const same = (text) => text.toLowerCase().replace(/\s+/g, " ").trim();
  const at = pages.findIndex((page) => same((page.meta && page.meta.title) || "") === same(query));
  return at > 0 ? [pages[at], ...pages.slice(0, at), ...pages.slice(at + 1)] : pages;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// A window of the abstract around the matches, matched words in <mark>. Built from the
// page's plain text and the word positions Pagefind found, so nothing is parsed as HTML.
// Matches in the title, authors and tags (after ``bodyWords``) do not move the window.
function excerpt(page, bodyWords) {
  const words = (page.content || "").split(/[\r\n\s]+/);
  const hits = new Set(page.locations || []);
  const inBody = [...hits].filter((at) => !bodyWords || at < bodyWords).sort((a, b) => a - b);
  const end = bodyWords || words.length;
  let start = 0;
  if (inBody.length) start = Math.max(0, Math.min(inBody[Math.floor(inBody.length / 2)] - EXCERPT_WORDS / 2, end - EXCERPT_WORDS));
  const paragraph = element("p");
  if (start > 0) paragraph.append("… ");
  const stop = Math.min(end, start + EXCERPT_WORDS);
  for (let at = start; at < stop; at++) {
    if (hits.has(at)) paragraph.append(element("mark", "", words[at]));
    else paragraph.append(words[at]);
    if (at + 1 < stop) paragraph.append(" ");
  }
  if (stop < end) paragraph.append(" …");
  return paragraph;
}
