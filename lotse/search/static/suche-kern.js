/*
 * Lotse search core: text normalisation and query construction.
 *
 * This is the browser twin of lotse/search/text.py and lotse/search/query.py.
 * Whatever can be data comes from the shared settings (lotse/search/settings.json,
 * shipped inside the index file); tests/test_search.py runs both sides on the
 * same input and compares the output. No DOM access here, so Node can load it.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory(require("./stemmer-de.js"));
  } else {
    root.lotseSucheKern = factory(root.lotseStemDe);
  }
})(this, function (stemDe) {
  "use strict";

  var OTHER = /[^\x00-\x7fäöüß]/gu;
  var WORD = /[a-z0-9äöüß]+/g;
  var DIGIT = /\d/;
  var TRAILING_SPACE = /[ \t\n\r]$/;

  function Kern(settings) {
    this.settings = settings;
    this.stemCache = new Map();
    var stops = new Set();
    var self = this;
    settings.stopwords.forEach(function (word) {
      self.words(word).forEach(function (w) { stops.add(self.stem(w)); });
    });
    this.stopStems = stops;
  }

  Kern.prototype.stem = function (word) {
    if (DIGIT.test(word)) return word;
    var cached = this.stemCache.get(word);
    if (cached === undefined) {
      cached = stemDe(word);
      this.stemCache.set(word, cached);
    }
    return cached;
  };

  Kern.prototype.fold = function (text) {
    var table = this.settings.fold;
    return text.normalize("NFC").toLowerCase().replace(OTHER, function (ch) {
      return Object.prototype.hasOwnProperty.call(table, ch) ? table[ch] : " ";
    });
  };

  Kern.prototype.words = function (text) {
    var min = this.settings.minTokenLength;
    return (this.fold(text).match(WORD) || []).filter(function (w) { return w.length >= min; });
  };

  Kern.prototype.terms = function (text) {
    var self = this;
    var out = [];
    this.words(text).forEach(function (w) {
      var s = self.stem(w);
      if (!self.stopStems.has(s)) out.push(s);
    });
    return out;
  };

  /* Neighbouring terms as sorted pairs, as text.pairs(). */
  Kern.prototype.pairs = function (stems) {
    var joiner = this.settings.phrases.joiner;
    var out = [];
    for (var i = 0; i + 1 < stems.length; i++) {
      var a = stems[i], b = stems[i + 1];
      if (a !== b) out.push(a < b ? a + joiner + b : b + joiner + a);
    }
    return out;
  };

  /* All terms as one sorted term, or null for too many terms, as text.whole(). */
  Kern.prototype.whole = function (stems) {
    var distinct = Array.from(new Set(stems)).sort();
    if (!distinct.length || distinct.length > this.settings.phrases.wholeMaxTerms) return null;
    return distinct.join(this.settings.phrases.joiner);
  };

  /* Two index terms a compound query word consists of, as query._split(). */
  Kern.prototype.split = function (word, known) {
    var minPart = this.settings.compounds.minPart;
    var endings = this.settings.compounds.linkingEndings;
    for (var i = minPart; i <= word.length - minPart; i++) {
      var tail = this.stem(word.slice(i));
      if (!known(tail)) continue;
      var head = word.slice(0, i);
      var candidates = [head];
      endings.forEach(function (e) {
        if (head.endsWith(e) && head.length - e.length >= minPart) candidates.push(head.slice(0, head.length - e.length));
      });
      for (var k = 0; k < candidates.length; k++) {
        var s = this.stem(candidates[k]);
        if (known(s)) return [s, tail];
      }
    }
    return null;
  };

  /* The clauses for what a person typed; same rules as query.clauses(). */
  Kern.prototype.clauses = function (raw, known) {
    var self = this;
    var cfg = this.settings;
    var queryWords = this.words(raw);
    var typing = raw.length > 0 && !TRAILING_SPACE.test(raw);
    var out = [];
    var seen = new Set();
    var content = [];
    var extraWords = 0;

    function add(term, boost, wildcard, editDistance, word) {
      var key = term + "\u0000" + wildcard + "\u0000" + editDistance + "\u0000" + word;
      if (seen.has(key)) return;
      seen.add(key);
      out.push({ term: term, boost: boost, wildcard: wildcard, editDistance: editDistance, word: word });
    }

    function within(rule, length) {
      var min = rule.minLength === undefined ? 0 : rule.minLength;
      var max = rule.maxLength === undefined ? Infinity : rule.maxLength;
      return length >= min && length <= max;
    }

    function fuzzy(term, length, i, scale) {
      cfg.clauses.forEach(function (rule) {
        if (rule.kind === "fuzzy" && within(rule, length)) {
          var boost = known(term) ? rule.boost : rule.boostUnknown;
          if (boost > 0) add(term, boost * scale, false, rule.editDistance, i);
        }
      });
    }

    queryWords.forEach(function (word, i) {
      var lastTyped = typing && i === queryWords.length - 1;
      var term = self.stem(word);
      var isStop = self.stopStems.has(term);
      if (!isStop) content.push(term);
      cfg.clauses.forEach(function (rule) {
        if (!within(rule, word.length)) return;
        if (rule.kind === "exact" && !isStop) {
          add(term, rule.boost, false, 0, i);
        } else if (rule.kind === "prefix" && (lastTyped || rule.only !== "last-while-typing")) {
          add(term, known(term) ? rule.boost : rule.boostUnknown, true, 0, i);
        }
      });
      if (isStop || DIGIT.test(word)) return;
      fuzzy(term, word.length, i, 1);
      var split = cfg.split;
      if (word.length >= split.minLength && !known(term)) {
        (self.split(word, known) || []).forEach(function (part) {
          extraWords += 1;
          var partWord = queryWords.length + extraWords - 1;
          add(part, split.boost, false, 0, partWord);
          fuzzy(part, part.length, partWord, split.boost);
        });
      }
    });
    // the whole first: for two words it is also the pair
    var all = this.whole(content);
    if (all) add(all, cfg.phrases.wholeBoost, false, 0, -1);
    this.pairs(content).forEach(function (pair) { add(pair, cfg.phrases.pairBoost, false, 0, -1); });
    return out;
  };

  /* [word, index term, boost] for every term the query reaches, as query.plan(). */
  Kern.prototype.plan = function (lunr, index, raw) {
    var joiner = this.settings.phrases.joiner;
    var known = index.lotseHasTerm;
    var best = new Map();
    this.clauses(raw, known).forEach(function (c) {
      var reached;
      if (c.wildcard || c.editDistance) {
        var ts = c.editDistance
          ? lunr.TokenSet.fromFuzzyString(c.term, c.editDistance)
          : lunr.TokenSet.fromString(c.term + (c.wildcard ? "*" : ""));
        reached = index.lotseWords.intersect(ts).toArray();
      } else {
        reached = known(c.term) ? [c.term] : [];
      }
      reached.forEach(function (term) {
        if (c.word >= 0 && term.indexOf(joiner) >= 0) return;  // phrases only meet phrase clauses
        var key = c.word + "\u0000" + term;
        var entry = best.get(key);
        if (entry === undefined) best.set(key, [c.word, term, c.boost]);
        else if (entry[2] < c.boost) entry[2] = c.boost;
      });
    });
    return Array.from(best.values()).sort(function (a, b) {
      if (a[0] !== b[0]) return a[0] - b[0];
      return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
    });
  };

  /* Score descending; equal scores (to 1e-6) by document number, as query.rank(). */
  function round6(x) {
    return Math.round(x * 1e6);
  }

  Kern.prototype.rank = function (pairs) {
    return pairs.slice().sort(function (a, b) {
      var d = round6(b[1]) - round6(a[1]);
      return d !== 0 ? d : Number(a[0]) - Number(b[0]);
    });
  };

  /* Ranked [ref, score] pairs from a loaded lunr.Index, as query.run(). */
  Kern.prototype.run = function (lunr, index, raw, limit) {
    var cfg = this.settings;
    var plan = this.plan(lunr, index, raw);
    if (!plan.length) return [];
    var pairField = cfg.phrases.field;
    var wordFields = index.fields.filter(function (f) { return f !== pairField; });
    var reach = new Map();
    var results = index.query(function (q) {
      plan.forEach(function (p) {
        // pair terms ("anmeld_auto") live in their own field; word clauses must not meet them
        q.term(p[1], { usePipeline: false, boost: p[2], fields: p[0] < 0 ? [pairField] : wordFields });
        if (p[0] >= 0) {
          if (!reach.has(p[0])) reach.set(p[0], []);
          reach.get(p[0]).push(p[1]);
        }
      });
    });
    var coverage = cfg.coverage;
    var scored = results.map(function (r) {
      var matched = r.matchData.metadata;
      var covered = 0;
      reach.forEach(function (terms) {
        if (terms.some(function (t) { return Object.prototype.hasOwnProperty.call(matched, t); })) covered += 1;
      });
      var share = reach.size ? covered / reach.size : 1;
      return [r.ref, r.score * (1 + coverage.weight * Math.pow(share, coverage.exponent))];
    });
    return this.rank(scored).slice(0, limit || cfg.maxResults);
  };

  /*
   * A lunr.Index over the compact transport form written by
   * lotse/search/index.py encode(): the same data that query.decode() turns
   * into lunr's serialised form in Python, but materialised lazily. Building
   * lunr's objects for every term and document up front costs about half a
   * second at 6,000 services; here a posting or a field vector is built the
   * first time a query touches it, and the term trie is built directly.
   */
  var NO_METADATA = Object.freeze({});

  function loadIndex(lunr, encoded, joiner) {
    var fields = encoded.felder;
    var terms = encoded.terme;
    var rows = encoded.postings;
    var weights = encoded.gewichte;
    var F = fields.length;
    var slots = encoded.dokumente * F;
    var fieldNumber = Object.create(null);
    fields.forEach(function (name, i) { fieldNumber[name] = i; });

    // Field vectors hold a document field's terms in term order; walking the
    // postings term by term yields exactly that order, the order of `weights`.
    var offsets = new Int32Array(slots + 1);
    var t, i, n, k, doc;
    for (t = 0; t < rows.length; t++) {
      var row = rows[t];
      for (i = 0; i < row.length; i += 2 + n) {
        n = row[i + 1];
        doc = 0;
        for (k = i + 2; k < i + 2 + n; k++) {
          doc += row[k];
          offsets[doc * F + row[i] + 1]++;
        }
      }
    }
    for (k = 0; k < slots; k++) offsets[k + 1] += offsets[k];
    if (offsets[slots] !== weights.length) throw new Error("Suchindex beschädigt");
    var fill = offsets.slice(0, slots);
    var termNumbers = new Int32Array(weights.length);
    for (t = 0; t < rows.length; t++) {
      var r = rows[t];
      for (i = 0; i < r.length; i += 2 + n) {
        n = r[i + 1];
        doc = 0;
        for (k = i + 2; k < i + 2 + n; k++) {
          doc += r[k];
          termNumbers[fill[doc * F + r[i]]++] = t;
        }
      }
    }

    // The trie serves prefix and fuzzy expansion of single words only (Kern.plan);
    // phrase terms ("anmeld_auto") are looked up exactly and stay out of it,
    // which halves the work at load time.
    var root = new lunr.TokenSet();
    var termNumber = new Map();
    for (t = 0; t < terms.length; t++) {
      var term = terms[t];
      termNumber.set(term, t);
      if (term.indexOf(joiner) >= 0) continue;
      var node = root;
      for (i = 0; i < term.length; i++) {
        var next = node.edges[term[i]];
        if (next === undefined) {
          next = new lunr.TokenSet();
          node.edges[term[i]] = next;
        }
        node = next;
      }
      node.final = true;
    }

    function posting(term) {
      var tn = termNumber.get(term);
      if (tn === undefined) return undefined;
      var p = { _index: tn };
      for (var f = 0; f < F; f++) p[fields[f]] = {};
      var row = rows[tn];
      for (var i = 0, n; i < row.length; i += 2 + n) {
        n = row[i + 1];
        var target = p[fields[row[i]]];
        var doc = 0;
        for (var k = i + 2; k < i + 2 + n; k++) {
          doc += row[k];
          target[doc] = NO_METADATA;
        }
      }
      return p;
    }

    function vector(ref) {
      var slash = ref.indexOf("/");
      var f = fieldNumber[ref.slice(0, slash)];
      if (f === undefined || slash < 0) return undefined;
      var slot = Number(ref.slice(slash + 1)) * F + f;
      if (!(slot >= 0 && slot < slots)) return undefined;
      var elements = [];
      for (var j = offsets[slot]; j < offsets[slot + 1]; j++) {
        elements.push(termNumbers[j], weights[j] / 1000);
      }
      return new lunr.Vector(elements);
    }

    function lazy(build) {
      return new Proxy(Object.create(null), {
        get: function (cache, key) {
          if (typeof key !== "string") return undefined;
          var value = cache[key];
          if (value === undefined) {
            value = build(key);
            if (value !== undefined) cache[key] = value;
          }
          return value;
        }
      });
    }

    // Every clause Kern.run hands to lunr is one exact term (plan() expanded the
    // rest), so lunr's own term lookup needs no trie: a map answers it.
    var exactTerms = {
      intersect: function (other) {
        var term = "", node = other;
        while (true) {
          var keys = Object.keys(node.edges);
          if (keys.length === 0 && node.final) break;
          if (keys.length !== 1 || keys[0] === "*") throw new Error("lotse: only exact terms reach lunr");
          term += keys[0];
          node = node.edges[keys[0]];
        }
        return { toArray: function () { return termNumber.has(term) ? [term] : []; } };
      }
    };

    var index = new lunr.Index({
      invertedIndex: lazy(posting),
      fieldVectors: lazy(vector),
      tokenSet: exactTerms,
      fields: fields.slice(),
      pipeline: new lunr.Pipeline()
    });
    index.lotseHasTerm = function (term) { return termNumber.has(term); };
    index.lotseWords = root;
    return index;
  }

  Kern.prototype.loadIndex = function (lunr, encoded) {
    return loadIndex(lunr, encoded, this.settings.phrases.joiner);
  };

  return { Kern: Kern };
});
