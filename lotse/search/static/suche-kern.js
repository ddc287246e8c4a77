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
    if (settings.stopStems) {
      // index.json carries them stemmed (lotse/search/index.py build())
      this.stopStems = new Set(settings.stopStems);
    } else {
      var stops = new Set();
      var self = this;
      settings.stopwords.forEach(function (word) {
        self.words(word).forEach(function (w) { stops.add(self.stem(w)); });
      });
      this.stopStems = stops;
    }
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
        reached = index.lotseExpand(c.term, c.editDistance, c.wildcard);
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
   * into lunr's serialised form in Python, with nothing built up front.
   * Building lunr's objects for every term, a trie of all terms and every
   * document's field vectors took longer than the query itself (35-85 ms at
   * 6,000 services in Chromium, before the first result). Here a term is
   * found by binary search in the sorted term list, a posting is built the
   * first time a query touches it, prefix and fuzzy expansion walk the term
   * list, and a field vector holds only the running query's terms: lunr
   * scores a field by its dot product with the query vector, which no other
   * term changes.
   */
  var NO_METADATA = Object.freeze({});

  /* The states of a lunr TokenSet automaton ("*" edges stand for any one
   * letter) after reading `ch` in any of `states`. The automaton is a tree,
   * so no state is reached twice. */
  function step(states, ch) {
    var next = [];
    for (var s = 0; s < states.length; s++) {
      var edges = states[s].edges;
      if (edges[ch] !== undefined) next.push(edges[ch]);
      if (edges["*"] !== undefined) next.push(edges["*"]);
    }
    return next;
  }

  function anyFinal(states) {
    for (var s = 0; s < states.length; s++) {
      if (states[s].final) return true;
    }
    return false;
  }

  function loadIndex(lunr, encoded, joiner) {
    var fields = encoded.felder;
    var terms = encoded.terme ? encoded.terme.split(" ") : [];
    var rows = encoded.postings ? encoded.postings.split(";") : [];
    var weights = encoded.gewichte ? encoded.gewichte.split(";") : [];
    if (rows.length !== terms.length || weights.length !== terms.length) throw new Error("Suchindex beschädigt");
    var F = fields.length;
    var fieldNumber = Object.create(null);
    fields.forEach(function (name, i) { fieldNumber[name] = i; });

    // The first position whose term is not less than `term` (index.py ships them sorted).
    function lowerBound(term) {
      var lo = 0, hi = terms.length;
      while (lo < hi) {
        var mid = (lo + hi) >>> 1;
        if (terms[mid] < term) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    }

    function termNumber(term) {
      var at = lowerBound(term);
      return at < terms.length && terms[at] === term ? at : -1;
    }

    function numbers(text, radix) {
      return text ? text.split(",").map(function (x) { return parseInt(x, radix); }) : [];
    }

    // A term's lunr posting and its numbers (field, documents, scores per
    // field), decoded from the term's two strings when a query first needs them.
    var decoded = [];
    function decode(tn) {
      var d = decoded[tn];
      if (d !== undefined) return d;
      var row = numbers(rows[tn], 10);
      var scores = numbers(weights[tn], 36);
      var posting = { _index: tn };
      var segments = [];  // [field, docs, scores]
      for (var f = 0; f < F; f++) posting[fields[f]] = {};
      var w = 0;
      for (var i = 0, n; i < row.length; i += 2 + n) {
        n = row[i + 1];
        var target = posting[fields[row[i]]];
        var docs = new Array(n);
        var doc = 0;
        for (var k = 0; k < n; k++) {
          doc += row[i + 2 + k];
          target[doc] = NO_METADATA;
          docs[k] = doc;
        }
        segments.push([row[i], docs, scores.slice(w, w + n)]);
        w += n;
      }
      if (w !== scores.length) throw new Error("Suchindex beschädigt");
      d = decoded[tn] = { posting: posting, segments: segments };
      return d;
    }

    // The field vectors of the given terms (ascending), keyed by
    // field * documents + document: their elements in one pass over the
    // terms' postings, in term order as lunr.Vector wants them.
    function vectorsOf(termNumbers) {
      var out = new Map();
      var D = encoded.dokumente;
      termNumbers.forEach(function (tn) {
        decode(tn).segments.forEach(function (segment) {
          var f = segment[0], docs = segment[1], values = segment[2];
          for (var k = 0; k < docs.length; k++) {
            var key = f * D + docs[k];
            var elements = out.get(key);
            if (elements === undefined) out.set(key, elements = []);
            elements.push(tn, values[k] / 1000);
          }
        });
      });
      return out;
    }

    // The term numbers a running query has touched (lunr reads all postings
    // before the first vector) and their vectors; null outside a query.
    var touched = null;
    var queryVectors = null;
    var allVectors = null;

    function vector(ref) {
      var slash = ref.indexOf("/");
      if (slash < 0) return undefined;
      var f = fieldNumber[ref.slice(0, slash)];
      var doc = Number(ref.slice(slash + 1));
      if (f === undefined || !(doc >= 0 && doc < encoded.dokumente && doc % 1 === 0)) return undefined;
      var vectors;
      if (touched !== null) {
        if (queryVectors === null) {
          queryVectors = vectorsOf(Array.from(new Set(touched)).sort(function (a, b) { return a - b; }));
        }
        vectors = queryVectors;
      } else {
        // outside a query (tests, debugging) a vector is complete: every term
        if (allVectors === null) allVectors = vectorsOf(terms.map(function (_t, tn) { return tn; }));
        vectors = allVectors;
      }
      return new lunr.Vector(vectors.get(f * encoded.dokumente + doc) || []);
    }

    var invertedIndex = new Proxy(Object.create(null), {
      get: function (_target, key) {
        if (typeof key !== "string") return undefined;
        var tn = termNumber(key);
        if (tn < 0) return undefined;
        if (touched !== null) {
          touched.push(tn);
          queryVectors = null;
        }
        return decode(tn).posting;
      }
    });

    var fieldVectors = new Proxy(Object.create(null), {
      get: function (_target, key) { return typeof key === "string" ? vector(key) : undefined; }
    });

    // Every clause Kern.run hands to lunr is one exact term (plan() expanded the
    // rest), so lunr's own term lookup needs no trie.
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
        return { toArray: function () { return termNumber(term) >= 0 ? [term] : []; } };
      }
    };

    var index = new lunr.Index({
      invertedIndex: invertedIndex,
      fieldVectors: fieldVectors,
      tokenSet: exactTerms,
      fields: fields.slice(),
      pipeline: new lunr.Pipeline()
    });
    // lunr's query, noting which terms it touches, so the vectors it then asks
    // for need to hold only those.
    index.query = function (fn) {
      touched = [];
      queryVectors = null;
      try {
        return lunr.Index.prototype.query.call(index, fn);
      } finally {
        touched = null;
        queryVectors = null;
      }
    };

    /* The single-word terms lunr's fuzzy automaton accepts: what
     * TokenSet.intersect finds in a trie of the terms, found by walking the
     * sorted term list as if it were that trie. Terms sharing a prefix with
     * the previous one resume from its states, and once a prefix leads
     * nowhere every term starting with it is skipped by binary search. */
    function fuzzyTerms(automaton) {
      var out = [];
      var stack = [[automaton]];  // stack[d]: states after the first d letters of `previous`
      var previous = "";
      var k = 0;
      while (k < terms.length) {
        var term = terms[k];
        var depth = 0;
        var limit = Math.min(previous.length, term.length, stack.length - 1);
        while (depth < limit && previous.charCodeAt(depth) === term.charCodeAt(depth)) depth++;
        stack.length = depth + 1;
        var states = stack[depth];
        while (depth < term.length && states.length) {
          states = step(states, term[depth]);
          depth++;
          stack.push(states);
        }
        previous = term;
        if (!states.length) {
          // every term with this prefix sorts before prefix + "\uffff"
          k = lowerBound(term.slice(0, depth) + "\uffff");
          continue;
        }
        if (anyFinal(states) && term.indexOf(joiner) < 0) out.push(term);
        k++;
      }
      return out;
    }

    index.lotseHasTerm = function (term) { return termNumber(term) >= 0; };

    /* The single-word terms a prefix (wildcard) or fuzzy clause reaches, as
     * lunr's TokenSet.intersect finds them in a trie of those terms. */
    index.lotseExpand = function (term, editDistance, wildcard) {
      var out = [];
      if (editDistance) {
        out = fuzzyTerms(lunr.TokenSet.fromFuzzyString(term, editDistance));
      } else if (wildcard) {
        for (var k = lowerBound(term); k < terms.length && terms[k].startsWith(term); k++) {
          if (terms[k].indexOf(joiner) < 0) out.push(terms[k]);
        }
      }
      return out;
    };
    return index;
  }

  Kern.prototype.loadIndex = function (lunr, encoded) {
    return loadIndex(lunr, encoded, this.settings.phrases.joiner);
  };

  return { Kern: Kern };
});
