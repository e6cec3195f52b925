//! `cargo xtask modules`: a plain scan of every crate's `src/` for module cycles.
//!
//! A module is a file under `src/` (the crate root `lib.rs` / `main.rs` included), found by
//! following `mod name;` declarations from each crate root. An edge `a -> b` is a use of `b` from
//! `a`: a `use` (or `pub use`) path, or a `crate::` / `super::` / `self::` path in code, resolved
//! relative to the module it is written in (inline modules included); a path into an inline module
//! counts as a use of the file that holds it. Declaring `mod child` is not an edge by itself.
//! `#[cfg(test)]` items and `tests` modules are left out: a test module importing its parent is
//! not a cycle of the library. Every strongly connected component of more than one module is a
//! cycle; the scan prints each with the uses that close it and fails if there is one.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The sources of one crate: file paths relative to its `src/` (`lib.rs`, `a/b.rs`) and text.
pub(crate) type Sources = BTreeMap<String, String>;

/// `cargo xtask modules`: scans every crate of the workspace and fails when one has a cycle.
pub(crate) fn run(workspace: &Path) -> Result<(), String> {
    let mut crates = Vec::new();
    let mut dirs = vec![workspace.to_path_buf(), workspace.join("xtask")];
    let mut members: Vec<PathBuf> = std::fs::read_dir(workspace.join("crates"))
        .map_err(|e| format!("{}: {e}", workspace.join("crates").display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    members.sort();
    dirs.extend(members);
    for dir in dirs {
        let src = dir.join("src");
        if !dir.join("Cargo.toml").is_file() || !src.is_dir() {
            continue;
        }
        let mut sources = Sources::new();
        read_sources(&src, &src, &mut sources)?;
        let name = dir
            .strip_prefix(workspace)
            .ok()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| ".".to_owned(), |p| p.display().to_string());
        crates.push((name, sources));
    }
    let mut cycles = 0;
    for (name, sources) in &crates {
        for graph in scan(sources) {
            let found = graph.cycles();
            let label = format!("{name} ({})", graph.root_label());
            if found.is_empty() {
                println!("{label}: {} modules, no cycle", graph.modules.len());
            } else {
                cycles += found.len();
                print!("{}", graph.report(&label, &found));
            }
        }
    }
    if cycles == 0 {
        Ok(())
    } else {
        Err(format!("{cycles} module cycle(s) found"))
    }
}

fn read_sources(src: &Path, dir: &Path, out: &mut Sources) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if path.is_dir() {
            read_sources(src, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let rel = path.strip_prefix(src).map_err(|e| e.to_string())?;
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.insert(rel.join("/"), text);
        }
    }
    Ok(())
}

/// The module graph of one crate target (a library or a binary).
#[derive(Debug)]
pub(crate) struct Graph {
    /// Files of the modules, relative to `src/`; index 0 is the crate root.
    pub(crate) modules: Vec<String>,
    /// `from -> to`, with the first use found of each (file line and the path as written).
    pub(crate) edges: BTreeMap<(usize, usize), (usize, String)>,
}

/// Scans the crate targets found in `sources`: `lib.rs`, `main.rs`, `bin/<name>.rs` and
/// `bin/<name>/main.rs` are roots, each its own module tree.
pub(crate) fn scan(sources: &Sources) -> Vec<Graph> {
    let mut roots: Vec<(String, String)> = Vec::new();
    for root in ["lib.rs", "main.rs"] {
        if sources.contains_key(root) {
            roots.push((root.to_owned(), String::new()));
        }
    }
    for file in sources.keys() {
        if let Some(rest) = file.strip_prefix("bin/") {
            if let Some(name) = rest.strip_suffix(".rs").filter(|n| !n.contains('/')) {
                roots.push((file.clone(), format!("bin/{name}")));
            } else if let Some(name) = rest.strip_suffix("/main.rs").filter(|n| !n.contains('/')) {
                roots.push((file.clone(), format!("bin/{name}")));
            }
        }
    }
    roots
        .into_iter()
        .map(|(file, dir)| scan_target(sources, &file, &dir))
        .collect()
}

/// One scanned file: its logical module path and what it declares and uses.
struct Scanned {
    path: Vec<String>,
    facts: Facts,
}

fn scan_target(sources: &Sources, root_file: &str, root_dir: &str) -> Graph {
    let mut files: Vec<(String, Scanned)> = Vec::new();
    let mut queue = vec![(root_file.to_owned(), Vec::<String>::new())];
    let mut seen = BTreeSet::new();
    while let Some((file, path)) = queue.pop() {
        if !seen.insert(file.clone()) {
            continue;
        }
        let Some(text) = sources.get(&file) else { continue };
        let facts = walk(&lex(text), &path);
        if facts.test_only {
            continue;
        }
        for child in &facts.child_files {
            let base = root_dir
                .split('/')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .chain(child.iter().cloned())
                .collect::<Vec<_>>()
                .join("/");
            let direct = format!("{base}.rs");
            let nested = format!("{base}/mod.rs");
            let found = if sources.contains_key(&direct) { direct } else { nested };
            queue.push((found, child.clone()));
        }
        files.push((file, Scanned { path, facts }));
    }
    // Root first, then by file name, for a stable report.
    files.sort_by(|a, b| (!a.1.path.is_empty(), &a.0).cmp(&(!b.1.path.is_empty(), &b.0)));
    // Every logical module (file or inline) and the file module that holds it.
    let mut owner: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    for (i, (_, s)) in files.iter().enumerate() {
        owner.insert(s.path.clone(), i);
        for inline in &s.facts.inline_modules {
            owner.entry(inline.clone()).or_insert(i);
        }
    }
    let mut edges = BTreeMap::new();
    for (i, (_, s)) in files.iter().enumerate() {
        for r in &s.facts.refs {
            let Some(target) = resolve(r, &owner) else { continue };
            if target != i {
                edges.entry((i, target)).or_insert_with(|| (r.line, r.written.clone()));
            }
        }
    }
    Graph {
        modules: files.into_iter().map(|(f, _)| f).collect(),
        edges,
    }
}

/// The file module a path lands in: the longest prefix of the resolved path that is a module.
fn resolve(r: &Ref, owner: &BTreeMap<Vec<String>, usize>) -> Option<usize> {
    let mut segments = r.path.iter();
    let mut base: Vec<String> = match r.path.first().map(String::as_str) {
        Some("crate") => {
            segments.next();
            Vec::new()
        }
        Some("self" | "super") => r.context.clone(),
        Some(first) => {
            // A plain name: a child module of the module it is written in (`use child::X` in a
            // parent), else an extern crate or a local name (no edge).
            let mut child = r.context.clone();
            child.push(first.to_owned());
            if !owner.contains_key(&child) {
                return None;
            }
            r.context.clone()
        }
        None => return None,
    };
    let mut leading = true;
    for segment in segments {
        match segment.as_str() {
            "self" if leading => {}
            "super" if leading => {
                base.pop()?;
            }
            _ => {
                leading = false;
                base.push(segment.clone());
            }
        }
    }
    (0..=base.len()).rev().find_map(|n| owner.get(&base[..n]).copied())
}

impl Graph {
    /// The crate root's file (`lib.rs`, `main.rs`, `bin/x.rs`).
    pub(crate) fn root_label(&self) -> String {
        format!("src/{}", self.modules.first().map_or("?", String::as_str))
    }

    /// The strongly connected components of more than one module, each sorted, in file order.
    pub(crate) fn cycles(&self) -> Vec<Vec<usize>> {
        let n = self.modules.len();
        let mut next: Vec<Vec<usize>> = vec![Vec::new(); n];
        for &(a, b) in self.edges.keys() {
            next[a].push(b);
        }
        let mut t = Tarjan {
            next,
            index: vec![None; n],
            low: vec![0; n],
            on_stack: vec![false; n],
            stack: Vec::new(),
            counter: 0,
            components: Vec::new(),
        };
        for v in 0..n {
            if t.index[v].is_none() {
                t.visit(v);
            }
        }
        let mut cycles: Vec<Vec<usize>> = t
            .components
            .into_iter()
            .filter(|c| c.len() > 1)
            .map(|mut c| {
                c.sort_unstable();
                c
            })
            .collect();
        cycles.sort();
        cycles
    }

    /// The report of one target's cycles: the modules of each and the uses among them.
    pub(crate) fn report(&self, label: &str, cycles: &[Vec<usize>]) -> String {
        let mut out = String::new();
        for cycle in cycles {
            let names: Vec<String> = cycle.iter().map(|&m| format!("src/{}", self.modules[m])).collect();
            let _ = writeln!(out, "{label}: cycle among {}", names.join(", "));
            for (&(a, b), (line, written)) in &self.edges {
                if cycle.contains(&a) && cycle.contains(&b) {
                    let _ = writeln!(
                        out,
                        "    src/{}:{line} -> src/{}  ({written})",
                        self.modules[a], self.modules[b]
                    );
                }
            }
        }
        out
    }
}

struct Tarjan {
    next: Vec<Vec<usize>>,
    index: Vec<Option<usize>>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    counter: usize,
    components: Vec<Vec<usize>>,
}

impl Tarjan {
    fn visit(&mut self, v: usize) {
        self.index[v] = Some(self.counter);
        self.low[v] = self.counter;
        self.counter += 1;
        self.stack.push(v);
        self.on_stack[v] = true;
        for w in self.next[v].clone() {
            match self.index[w] {
                None => {
                    self.visit(w);
                    self.low[v] = self.low[v].min(self.low[w]);
                }
                Some(iw) if self.on_stack[w] => self.low[v] = self.low[v].min(iw),
                Some(_) => {}
            }
        }
        if Some(self.low[v]) == self.index[v] {
            let mut component = Vec::new();
            while let Some(w) = self.stack.pop() {
                self.on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            self.components.push(component);
        }
    }
}

/// A token of Rust source, with its line; comments, literals and whitespace are dropped
/// (literals leave a [`Tok::Lit`] so that no path runs across them).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Ident(String),
    PathSep,
    Punct(char),
    Lit,
}

fn lex(text: &str) -> Vec<(Tok, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    while i < chars.len() {
        let c = chars[i];
        let start_line = line;
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if let Some(len) = raw_string_start(&chars, i) {
            // r"..", r#".."#, br"..", cr#".."#: the closing quote is followed by as many #.
            let hashes = len - 1 - usize::from(c != 'r');
            i += len;
            loop {
                if i >= chars.len() {
                    break;
                }
                if chars[i] == '"' && (1..=hashes).all(|k| at(i + k) == '#') {
                    i += 1 + hashes;
                    break;
                }
                if chars[i] == '\n' {
                    line += 1;
                }
                i += 1;
            }
            out.push((Tok::Lit, start_line));
        } else if c == '"' || ((c == 'b' || c == 'c') && at(i + 1) == '"') {
            i += if c == '"' { 1 } else { 2 };
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                if at(i) == '\n' {
                    line += 1;
                }
                i += 1;
            }
            i += 1;
            out.push((Tok::Lit, start_line));
        } else if c == '\'' || (c == 'b' && at(i + 1) == '\'') {
            let q = if c == '\'' { i } else { i + 1 };
            if at(q + 1) == '\\' {
                // An escaped char (`'\''`, `'\u{..}'`): runs to the next quote after the escape.
                i = q + 3;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push((Tok::Lit, start_line));
            } else if at(q + 2) == '\'' {
                i = q + 3;
                out.push((Tok::Lit, start_line));
            } else {
                // A lifetime or label.
                i = q + 1;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                out.push((Tok::Lit, start_line));
            }
        } else if c.is_ascii_digit() {
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || (chars[i] == '.' && at(i + 1).is_ascii_digit()))
            {
                i += 1;
            }
            out.push((Tok::Lit, start_line));
        } else if c.is_alphabetic() || c == '_' {
            if c == 'r' && at(i + 1) == '#' && (at(i + 2).is_alphabetic() || at(i + 2) == '_') {
                i += 2;
            }
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Tok::Ident(chars[start..i].iter().collect()), start_line));
        } else if c == ':' && at(i + 1) == ':' {
            i += 2;
            out.push((Tok::PathSep, start_line));
        } else {
            i += 1;
            out.push((Tok::Punct(c), start_line));
        }
    }
    out
}

/// The length of a raw string's opening (`r#"` is 3), if one starts at `i`.
fn raw_string_start(chars: &[char], i: usize) -> Option<usize> {
    let mut j = i;
    if matches!(chars.get(j), Some('b' | 'c')) {
        j += 1;
    }
    if chars.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    while chars.get(j) == Some(&'#') {
        j += 1;
    }
    (chars.get(j) == Some(&'"')).then_some(j + 1 - i)
}

/// A path written in a module: where (`context`, the logical module, inline ones included), the
/// segments, the line and the text as written.
#[derive(Debug)]
struct Ref {
    context: Vec<String>,
    path: Vec<String>,
    line: usize,
    written: String,
}

#[derive(Debug, Default)]
struct Facts {
    /// `#![cfg(test)]` at the top of the file.
    test_only: bool,
    /// Logical paths of the `mod name;` declarations (files to read).
    child_files: Vec<Vec<String>>,
    /// Logical paths of the inline `mod name { .. }` modules.
    inline_modules: Vec<Vec<String>>,
    refs: Vec<Ref>,
}

/// Walks one file's tokens, as the module `path`.
fn walk(toks: &[(Tok, usize)], path: &[String]) -> Facts {
    let mut facts = Facts::default();
    // The open braces: `Some(name)` for an inline module's body.
    let mut braces: Vec<Option<String>> = Vec::new();
    let context = |braces: &[Option<String>]| -> Vec<String> {
        path.iter().cloned().chain(braces.iter().flatten().cloned()).collect()
    };
    let ident = |i: usize| match toks.get(i) {
        Some((Tok::Ident(s), _)) => Some(s.as_str()),
        _ => None,
    };
    let is = |i: usize, t: &Tok| toks.get(i).map(|(k, _)| k) == Some(t);
    let mut i = 0;
    while i < toks.len() {
        let (tok, line) = &toks[i];
        match tok {
            Tok::Punct('#') => {
                let inner = is(i + 1, &Tok::Punct('!'));
                let open = i + 1 + usize::from(inner);
                if !is(open, &Tok::Punct('[')) {
                    i += 1;
                    continue;
                }
                let close = matching(toks, open);
                if is_test_attr(&toks[open + 1..close]) {
                    if inner && braces.is_empty() {
                        facts.test_only = true;
                        return facts;
                    }
                    i = if inner {
                        skip_to_close(toks, close + 1)
                    } else {
                        skip_item(toks, close + 1)
                    };
                } else {
                    i = close + 1;
                }
            }
            Tok::Ident(kw) if kw == "mod" => match (ident(i + 1), toks.get(i + 2).map(|t| &t.0)) {
                (Some("tests"), _) => i = skip_item(toks, i),
                (Some(name), Some(Tok::Punct(';'))) => {
                    let mut child = context(&braces);
                    child.push(name.to_owned());
                    facts.child_files.push(child);
                    i += 3;
                }
                (Some(name), Some(Tok::Punct('{'))) => {
                    let mut child = context(&braces);
                    child.push(name.to_owned());
                    facts.inline_modules.push(child);
                    braces.push(Some(name.to_owned()));
                    i += 3;
                }
                _ => i += 1,
            },
            Tok::Ident(kw) if kw == "use" && !is(i + 1, &Tok::Punct('<')) => {
                let end = (i..toks.len()).find(|&j| is(j, &Tok::Punct(';'))).unwrap_or(toks.len());
                let mut paths = Vec::new();
                use_tree(&toks[i + 1..end], &[], &mut paths);
                let ctx = context(&braces);
                for p in paths {
                    if p.first().is_some_and(|s| s.is_empty()) {
                        continue; // `use ::extern_crate`
                    }
                    facts.refs.push(Ref {
                        context: ctx.clone(),
                        written: p.join("::"),
                        path: p,
                        line: *line,
                    });
                }
                i = end + 1;
            }
            Tok::Ident(kw) if kw == "pub" && is(i + 1, &Tok::Punct('(')) && ident(i + 2) == Some("in") => {
                // `pub(in crate::a)` names a module for visibility, not a use.
                i = matching(toks, i + 1) + 1;
            }
            Tok::Ident(first) if is(i + 1, &Tok::PathSep) => {
                let after_sep = i > 0 && matches!(toks[i - 1].0, Tok::PathSep | Tok::Punct('$' | '.'));
                if after_sep {
                    i += 1;
                    continue;
                }
                let mut p = vec![first.clone()];
                let mut j = i + 1;
                while is(j, &Tok::PathSep) {
                    match ident(j + 1) {
                        Some(s) => p.push(s.to_owned()),
                        None => break,
                    }
                    j += 2;
                }
                facts.refs.push(Ref {
                    context: context(&braces),
                    written: p.join("::"),
                    path: p,
                    line: *line,
                });
                i = j;
            }
            Tok::Punct('{' | '(' | '[') => {
                if matches!(tok, Tok::Punct('{')) {
                    braces.push(None);
                }
                i += 1;
            }
            Tok::Punct('}') => {
                braces.pop();
                i += 1;
            }
            _ => i += 1,
        }
    }
    facts
}

/// `cfg(..)` naming `test` (and no `not`), or `test` itself.
fn is_test_attr(attr: &[(Tok, usize)]) -> bool {
    let names: Vec<&str> = attr
        .iter()
        .filter_map(|(t, _)| match t {
            Tok::Ident(s) => Some(s.as_str()),
            _ => None,
        })
        .collect();
    match names.first() {
        Some(&"test") => names.len() == 1,
        Some(&"cfg") => names.contains(&"test") && !names.contains(&"not"),
        _ => false,
    }
}

/// The index of the bracket closing the one at `open`.
fn matching(toks: &[(Tok, usize)], open: usize) -> usize {
    let mut depth = 0usize;
    for (j, (t, _)) in toks.iter().enumerate().skip(open) {
        match t {
            Tok::Punct('{' | '(' | '[') => depth += 1,
            Tok::Punct('}' | ')' | ']') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
    }
    toks.len()
}

/// The index after the item starting at `start`: its `;` at depth 0, or the end of a `{..}`
/// body at depth 0; a closing bracket of the enclosing scope ends it too (not consumed).
fn skip_item(toks: &[(Tok, usize)], start: usize) -> usize {
    let mut depth = 0usize;
    let mut j = start;
    while j < toks.len() {
        match toks[j].0 {
            Tok::Punct('{' | '(' | '[') => depth += 1,
            Tok::Punct(c @ ('}' | ')' | ']')) => {
                if depth == 0 {
                    return j;
                }
                depth -= 1;
                if depth == 0 && c == '}' {
                    return j + 1;
                }
            }
            Tok::Punct(';') if depth == 0 => return j + 1,
            _ => {}
        }
        j += 1;
    }
    j
}

/// After an inner `#![cfg(test)]`: the index of the closing bracket of the enclosing scope.
fn skip_to_close(toks: &[(Tok, usize)], start: usize) -> usize {
    let mut j = start;
    while j < toks.len() && !matches!(toks[j].0, Tok::Punct('}')) {
        j = skip_item(toks, j).max(j + 1);
    }
    j
}

/// Expands a use tree (`a::{b, c::{self, D as E}, *}`) into full paths (renames dropped; `self`
/// and `*` stand for their prefix). A leading `::` gives an empty first segment.
fn use_tree(toks: &[(Tok, usize)], prefix: &[String], out: &mut Vec<Vec<String>>) {
    let mut path = prefix.to_vec();
    let mut j = 0;
    if prefix.is_empty() && matches!(toks.first(), Some((Tok::PathSep, _))) {
        path.push(String::new());
        j = 1;
    }
    while j < toks.len() {
        match &toks[j].0 {
            Tok::Ident(s) if s == "as" => break,
            Tok::Ident(s) if s == "self" && !path.is_empty() => {}
            Tok::Ident(s) => path.push(s.clone()),
            Tok::PathSep => {}
            Tok::Punct('{') => {
                let close = matching(toks, j).min(toks.len());
                let inner = &toks[j + 1..close];
                let mut k = 0;
                while k < inner.len() {
                    let mut end = k;
                    let mut depth = 0usize;
                    while end < inner.len() {
                        match inner[end].0 {
                            Tok::Punct('{') => depth += 1,
                            Tok::Punct('}') => depth = depth.saturating_sub(1),
                            Tok::Punct(',') if depth == 0 => break,
                            _ => {}
                        }
                        end += 1;
                    }
                    if end > k {
                        use_tree(&inner[k..end], &path, out);
                    }
                    k = end + 1;
                }
                return;
            }
            _ => break,
        }
        j += 1;
    }
    if !path.is_empty() {
        out.push(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(files: &[(&str, &str)]) -> Sources {
        files.iter().map(|(f, t)| ((*f).to_owned(), (*t).to_owned())).collect()
    }

    fn cycles_of(files: &[(&str, &str)]) -> Vec<Vec<String>> {
        let graphs = scan(&sources(files));
        assert_eq!(graphs.len(), 1);
        let g = &graphs[0];
        g.cycles()
            .into_iter()
            .map(|c| c.into_iter().map(|m| g.modules[m].clone()).collect())
            .collect()
    }

    fn edges_of(files: &[(&str, &str)]) -> BTreeSet<(String, String)> {
        let graphs = scan(&sources(files));
        let g = &graphs[0];
        g.edges
            .keys()
            .map(|&(a, b)| (g.modules[a].clone(), g.modules[b].clone()))
            .collect()
    }

    fn edge(a: &str, b: &str) -> (String, String) {
        (a.to_owned(), b.to_owned())
    }

    #[test]
    fn a_cycle_through_use_and_code_paths_is_found() {
        let found = cycles_of(&[
            ("lib.rs", "mod a;\nmod b;\nmod c;\n"),
            ("a.rs", "use crate::b::B;\npub struct A;"),
            ("b.rs", "pub struct B;\nfn f() { crate::c::g(); }"),
            ("c.rs", "pub fn g() { let _ = crate::a::A; }"),
        ]);
        assert_eq!(
            found,
            vec![vec!["a.rs".to_owned(), "b.rs".to_owned(), "c.rs".to_owned()]]
        );
    }

    #[test]
    fn a_dag_with_reexports_passes() {
        let files = [
            (
                "lib.rs",
                "mod error;\npub mod jwe;\npub use error::Error;\npub use jwe::{Jwe, seal};",
            ),
            ("error.rs", "pub struct Error;"),
            (
                "jwe.rs",
                "use crate::error::Error;\npub struct Jwe;\npub fn seal() -> Error { Error }",
            ),
        ];
        assert!(cycles_of(&files).is_empty());
        assert_eq!(
            edges_of(&files),
            [
                edge("lib.rs", "error.rs"),
                edge("lib.rs", "jwe.rs"),
                edge("jwe.rs", "error.rs")
            ]
            .into()
        );
    }

    #[test]
    fn importing_through_the_root_closes_a_cycle_with_its_reexport() {
        let found = cycles_of(&[
            ("lib.rs", "mod error;\nmod jwe;\npub use error::Error;"),
            ("error.rs", "pub enum Error { Jwe(crate::jwe::Alg) }"),
            ("jwe.rs", "use crate::Error;\npub struct Alg;"),
        ]);
        assert_eq!(
            found,
            vec![vec!["lib.rs".to_owned(), "error.rs".to_owned(), "jwe.rs".to_owned()]]
        );
    }

    #[test]
    fn declaring_a_child_is_not_an_edge_but_using_the_parent_is() {
        let files = [
            ("lib.rs", "mod verify;"),
            ("verify/mod.rs", "mod path;\nmod options;\npub struct Ctx;"),
            ("verify/path.rs", "use super::options::Options;\nuse super::Ctx;"),
            ("verify/options.rs", "pub struct Options;"),
        ];
        assert_eq!(
            edges_of(&files),
            [
                edge("verify/path.rs", "verify/options.rs"),
                edge("verify/path.rs", "verify/mod.rs")
            ]
            .into()
        );
        assert!(cycles_of(&files).is_empty());
    }

    #[test]
    fn super_is_resolved_relative_to_the_module_and_closes_a_cycle() {
        let found = cycles_of(&[
            ("lib.rs", "mod verify;"),
            ("verify/mod.rs", "mod path;\npub(crate) fn check() { path::walk(); }"),
            (
                "verify/path.rs",
                "pub(crate) fn walk() { super::super::verify::check(); }",
            ),
        ]);
        assert_eq!(
            found,
            vec![vec!["verify/mod.rs".to_owned(), "verify/path.rs".to_owned()]]
        );
    }

    #[test]
    fn cfg_test_items_and_tests_modules_are_ignored() {
        let files = [
            ("lib.rs", "mod a;\nmod b;\n#[cfg(test)]\nmod tests;\n"),
            ("tests.rs", "use crate::a::*;\nuse crate::b::*;"),
            (
                "a.rs",
                "use crate::b::B;\npub struct A;\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\n",
            ),
            (
                "b.rs",
                "pub struct B;\n#[cfg(test)]\nuse crate::a::A;\n#[cfg(test)]\nfn helper() { let _ = crate::a::A; }\n\
                 mod tests { use crate::a::A; }\n#[test]\nfn t() { crate::a::A; }\n",
            ),
        ];
        assert!(cycles_of(&files).is_empty());
        assert_eq!(edges_of(&files), [edge("a.rs", "b.rs")].into());
        assert!(!scan(&sources(&files))[0].modules.contains(&"tests.rs".to_owned()));
    }

    #[test]
    fn comments_strings_and_macros_make_no_edge() {
        let files = [
            ("lib.rs", "mod a;\nmod b;"),
            ("a.rs", "fn g() -> impl Sized + use<> { crate::b::B }"),
            (
                "b.rs",
                "/// See [`crate::a::A`].\n// crate::a::A\n/* crate::a::A /* nested */ */\npub struct B;\n\
                 const S: &str = \"crate::a::A\";\nconst R: &str = r#\"crate::a::\"#;\nconst C: char = '\"';\nconst Q: u8 = b'\\'';\n\
                 macro_rules! m { () => { $crate::a::A } }\nfn f<'a>(x: &'a str) {}",
            ),
        ];
        assert_eq!(edges_of(&files), [edge("a.rs", "b.rs")].into());
    }

    #[test]
    fn inline_modules_and_nested_use_groups_resolve_to_their_files() {
        let files = [
            ("lib.rs", "mod a;\npub mod b;\npub use b::{self, inner::{X as Y}};"),
            ("a.rs", "pub mod hooks {\n    use super::super::b::inner;\n}"),
            ("b.rs", "pub mod inner { pub struct X; }\nuse crate::a::hooks;"),
        ];
        assert_eq!(
            edges_of(&files),
            [edge("lib.rs", "b.rs"), edge("a.rs", "b.rs"), edge("b.rs", "a.rs")].into()
        );
        assert_eq!(cycles_of(&files), vec![vec!["a.rs".to_owned(), "b.rs".to_owned()]]);
    }

    #[test]
    fn a_binary_is_its_own_tree() {
        let graphs = scan(&sources(&[
            ("lib.rs", "pub mod a;"),
            ("a.rs", ""),
            ("main.rs", "mod cmd;\nuse cmd::run;"),
            ("cmd/mod.rs", "pub fn run() {}"),
        ]));
        let roots: Vec<&str> = graphs.iter().map(|g| g.modules[0].as_str()).collect();
        assert_eq!(roots, ["lib.rs", "main.rs"]);
        assert_eq!(graphs[1].modules, ["main.rs", "cmd/mod.rs"]);
        assert_eq!(graphs[1].edges.len(), 1);
    }
}
