//! Repository hygiene checks, as rust-analyzer's `tidy`: the import graph
//! between a crate's files, to find loops.
//!
//! File A imports file B when A names an item defined in B: through `use`,
//! or a path starting `crate::`, `super::` or `self::` anywhere in its
//! code. A `mod` declaration is not an import, and a name re-exported with
//! `pub use` counts as defined where it is defined. Paths are resolved by
//! walking the crate's module files; an item a module neither defines nor
//! re-exports is taken to be defined in it. `#[cfg(test)]` modules at the
//! end of a file are left out (tests aside), and so are comments.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One source file of a crate.
struct File {
    /// Path relative to the repository root.
    path: String,
    /// Module path from the crate root (`["rest", "error"]`).
    module: Vec<String>,
    /// Its code, comments and trailing test module removed.
    code: String,
}

/// A crate's files and what each imports.
pub struct Graph {
    files: Vec<File>,
    /// file index -> (imported file index -> names taken).
    edges: Vec<BTreeMap<usize, BTreeSet<String>>>,
}

/// A loop of files and the names that tie it.
#[derive(Debug)]
pub struct Cycle {
    /// The files, repository-relative.
    pub files: Vec<String>,
    /// `a.rs -> b.rs: Name, Other` for each import inside the loop.
    pub ties: Vec<String>,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Removes comments (line, block, doc) and string and char literals'
/// contents, and everything from a trailing `#[cfg(test)]` module on.
fn strip(text: &str) -> String {
    let test_module = ["#[cfg(test)]\nmod ", "#[cfg(all(test"]
        .iter()
        .filter_map(|marker| text.find(marker))
        .min();
    let text = match test_module {
        Some(at) => &text[..at],
        None => text,
    };
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            i += rest.find("*/").map_or(rest.len(), |end| end + 2);
        } else if rest.starts_with("r#\"") || rest.starts_with("r\"") {
            let hashes = rest[1..].bytes().take_while(|b| *b == b'#').count();
            let close = format!("\"{}", "#".repeat(hashes));
            let body = 2 + hashes;
            i += body
                + rest[body..]
                    .find(&close)
                    .map_or(rest.len() - body, |end| end + close.len());
            out.push_str("\"\"");
        } else if bytes[i] == b'"' {
            let mut j = i + 1;
            while j < bytes.len() && bytes[j] != b'"' {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            i = j + 1;
            out.push_str("\"\"");
        } else if bytes[i] == b'\''
            && rest.len() > 2
            && (rest.as_bytes()[2] == b'\'' || rest.as_bytes()[1] == b'\\')
        {
            // A char literal (not a lifetime).
            let end = rest[1..].find('\'').map_or(1, |e| e + 2);
            i += end.max(3);
            out.push_str("' '");
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The `use` trees of `code`, expanded into full paths (with `self` for a
/// brace's own module, `*` kept as the last segment).
fn use_paths(code: &str) -> Vec<(Vec<String>, bool)> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = find_keyword(rest, "use") {
        let before = rest[..at].trim_end();
        let public = before.ends_with("pub")
            || before.ends_with(')')
                && before
                    .rfind("pub(")
                    .is_some_and(|p| !before[p..].contains(['\n', ';', '{', '}']));
        let after = &rest[at + 3..];
        let end = after.find(';').unwrap_or(after.len());
        let tree: String = after[..end]
            .replace(" as ", "@")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        expand(&tree, &mut Vec::new(), &mut |path| out.push((path, public)));
        rest = &after[end..];
    }
    out
}

/// Where `word` stands as a whole word at the start of a statement.
fn find_keyword(text: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = text[from..].find(word) {
        let at = from + found;
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        let starts = before
            .is_none_or(|c| c.is_whitespace() || c == ';' || c == '{' || c == '}' || c == ')');
        if starts && after.is_some_and(char::is_whitespace) {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

fn expand(tree: &str, prefix: &mut Vec<String>, out: &mut dyn FnMut(Vec<String>)) {
    // Split top-level commas.
    let mut depth = 0;
    let mut start = 0;
    let mut parts = Vec::new();
    for (i, c) in tree.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&tree[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&tree[start..]);
    for part in parts.into_iter().filter(|p| !p.is_empty()) {
        match part.find('{') {
            Some(open) => {
                let head = part[..open].trim_end_matches("::");
                let inner = &part[open + 1..part.len().saturating_sub(1)];
                let added: Vec<String> = head
                    .split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                let n = added.len();
                prefix.extend(added);
                expand(inner, prefix, out);
                prefix.truncate(prefix.len() - n);
            }
            None => {
                let mut path = prefix.clone();
                path.extend(
                    part.split("::")
                        .filter(|s| !s.is_empty())
                        .map(|s| s.split('@').next().unwrap_or(s).to_string()),
                );
                out(path);
            }
        }
    }
}

/// `code` without its `use` statements (whose trees [`use_paths`] reads).
fn without_uses(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = find_keyword(rest, "use") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        rest = &after[after.find(';').map_or(after.len(), |end| end + 1)..];
    }
    out.push_str(rest);
    out
}

/// Paths written in code: `crate::a::b`, `super::a`, `self::a` (outside
/// `use` statements).
fn inline_paths(code: &str) -> Vec<Vec<String>> {
    let code = without_uses(code);
    let mut out = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let at_word = i == 0 || !is_ident(chars[i - 1]) && chars[i - 1] != ':';
        if at_word {
            for root in ["crate", "super", "self"] {
                let rc: Vec<char> = root.chars().collect();
                if chars[i..].starts_with(&rc) && chars[i + rc.len()..].starts_with(&[':', ':']) {
                    let mut path = vec![root.to_string()];
                    let mut j = i + rc.len();
                    while chars[j..].starts_with(&[':', ':']) {
                        j += 2;
                        let start = j;
                        while j < chars.len() && is_ident(chars[j]) {
                            j += 1;
                        }
                        if j == start {
                            break;
                        }
                        path.push(chars[start..j].iter().collect());
                    }
                    out.push(path);
                    i = j;
                    break;
                }
            }
        }
        i += 1;
    }
    out
}

/// Names a file defines at its top level (and in nested blocks: a good
/// enough approximation for loops between files).
fn definitions(code: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for keyword in [
        "struct",
        "enum",
        "fn",
        "const",
        "static",
        "type",
        "trait",
        "union",
        "macro_rules!",
    ] {
        let mut rest = code;
        while let Some(at) = rest.find(keyword) {
            let before = rest[..at].chars().next_back();
            let after = &rest[at + keyword.len()..];
            if before.is_none_or(|c| !is_ident(c)) && after.starts_with(char::is_whitespace) {
                let name: String = after
                    .trim_start()
                    .chars()
                    .take_while(|c| is_ident(*c))
                    .collect();
                if !name.is_empty() {
                    names.insert(name);
                }
            }
            rest = after;
        }
    }
    names
}

impl Graph {
    /// Reads the crate whose source root is `src` (its `lib.rs` or
    /// `main.rs` and every file below), paths shown relative to `root`.
    pub fn of_crate(root: &Path, src: &Path) -> Graph {
        let mut paths = Vec::new();
        rust_files(src, &mut paths);
        let files: Vec<File> = paths
            .iter()
            .map(|path| {
                let relative = path.strip_prefix(src).unwrap_or(path);
                let mut module: Vec<String> = relative
                    .with_extension("")
                    .iter()
                    .map(|s| s.to_string_lossy().into_owned())
                    .collect();
                if matches!(
                    module.last().map(String::as_str),
                    Some("mod" | "lib" | "main")
                ) {
                    module.pop();
                }
                let text = std::fs::read_to_string(path).unwrap_or_default();
                File {
                    path: path
                        .strip_prefix(root)
                        .unwrap_or(path)
                        .to_string_lossy()
                        .into_owned(),
                    module,
                    code: strip(&text),
                }
            })
            .collect();
        let mut graph = Graph {
            edges: vec![BTreeMap::new(); files.len()],
            files,
        };
        graph.link();
        graph
    }

    fn file_of(&self, module: &[String]) -> Option<usize> {
        self.files.iter().position(|f| f.module == module)
    }

    /// The file defining `path` (absolute module path + item), following
    /// re-exports; `None` for what is not of this crate.
    fn resolve(&self, path: &[String], depth: usize) -> Option<usize> {
        if depth > 16 {
            return None;
        }
        let mut module: Vec<String> = Vec::new();
        let mut file = self.file_of(&module)?;
        for (n, segment) in path.iter().enumerate() {
            let mut child = module.clone();
            child.push(segment.clone());
            if let Some(found) = self.file_of(&child) {
                module = child;
                file = found;
                continue;
            }
            if segment == "*" || definitions(&self.files[file].code).contains(segment) {
                return Some(file);
            }
            // Re-exported (or imported) here: where it comes from.
            let here = &self.files[file];
            for (used, _) in use_paths(&here.code) {
                if used.last() == Some(segment) {
                    if let Some(absolute) = self.absolute(&here.module, &used)
                        && absolute != path[..=n]
                        && let Some(found) = self.resolve(&absolute, depth + 1)
                    {
                        return Some(found);
                    }
                    // From another crate.
                    return Some(file);
                }
            }
            return Some(file);
        }
        Some(file)
    }

    /// `path` as written in the module `at`, from the crate root; `None`
    /// for a path into another crate.
    fn absolute(&self, at: &[String], path: &[String]) -> Option<Vec<String>> {
        let mut out: Vec<String> = match path.first().map(String::as_str) {
            Some("crate") => Vec::new(),
            Some("self") => at.to_vec(),
            Some("super") => at[..at.len().saturating_sub(1)].to_vec(),
            Some(first) => {
                // A child module of `at` named first (`use child::X`).
                let mut child = at.to_vec();
                child.push(first.to_string());
                if self.file_of(&child).is_some() {
                    let mut out = at.to_vec();
                    out.extend(path.iter().cloned());
                    return Some(out);
                }
                return None;
            }
            None => return None,
        };
        let mut rest = &path[1..];
        while rest.first().is_some_and(|s| s == "super") {
            out.pop();
            rest = &rest[1..];
        }
        out.extend(rest.iter().cloned());
        Some(out)
    }

    fn link(&mut self) {
        for index in 0..self.files.len() {
            let file = &self.files[index];
            // A re-export (`pub use`) is not an import: the name counts as
            // defined where it is defined.
            let mut paths: Vec<Vec<String>> = use_paths(&file.code)
                .into_iter()
                .filter(|(_, public)| !public)
                .map(|(path, _)| path)
                .collect();
            paths.extend(inline_paths(&file.code));
            let mut edges: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
            for path in paths {
                let Some(absolute) = self.absolute(&file.module, &path) else {
                    continue;
                };
                if absolute.is_empty() {
                    continue;
                }
                if let Some(target) = self.resolve(&absolute, 0)
                    && target != index
                {
                    edges
                        .entry(target)
                        .or_default()
                        .insert(absolute.last().cloned().unwrap_or_default());
                }
            }
            self.edges[index] = edges;
        }
    }

    /// Each file's level: 0 for a file that imports no file of its crate,
    /// else one more than the highest level it imports (loops must be
    /// gone for this to mean anything). In file order.
    pub fn levels(&self) -> Vec<(String, usize)> {
        fn level(graph: &Graph, file: usize, memo: &mut Vec<Option<usize>>, depth: usize) -> usize {
            if let Some(known) = memo[file] {
                return known;
            }
            if depth > graph.files.len() {
                return 0;
            }
            let value = graph.edges[file]
                .keys()
                .map(|&next| level(graph, next, memo, depth + 1) + 1)
                .max()
                .unwrap_or(0);
            memo[file] = Some(value);
            value
        }
        let mut memo = vec![None; self.files.len()];
        (0..self.files.len())
            .map(|file| {
                (
                    self.files[file].path.clone(),
                    level(self, file, &mut memo, 0),
                )
            })
            .collect()
    }

    /// Every loop (strongly connected set of two files or more).
    pub fn cycles(&self) -> Vec<Cycle> {
        let n = self.files.len();
        let mut index = vec![usize::MAX; n];
        let mut low = vec![0; n];
        let mut on_stack = vec![false; n];
        let mut stack = Vec::new();
        let mut next = 0;
        let mut out = Vec::new();
        for start in 0..n {
            if index[start] == usize::MAX {
                self.tarjan(
                    start,
                    &mut next,
                    &mut index,
                    &mut low,
                    &mut on_stack,
                    &mut stack,
                    &mut out,
                );
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn tarjan(
        &self,
        v: usize,
        next: &mut usize,
        index: &mut [usize],
        low: &mut [usize],
        on_stack: &mut [bool],
        stack: &mut Vec<usize>,
        out: &mut Vec<Cycle>,
    ) {
        index[v] = *next;
        low[v] = *next;
        *next += 1;
        stack.push(v);
        on_stack[v] = true;
        for &w in self.edges[v].keys() {
            if index[w] == usize::MAX {
                self.tarjan(w, next, index, low, on_stack, stack, out);
                low[v] = low[v].min(low[w]);
            } else if on_stack[w] {
                low[v] = low[v].min(index[w]);
            }
        }
        if low[v] == index[v] {
            let mut members = Vec::new();
            while let Some(w) = stack.pop() {
                on_stack[w] = false;
                members.push(w);
                if w == v {
                    break;
                }
            }
            if members.len() > 1 {
                members.sort();
                let set: BTreeSet<usize> = members.iter().copied().collect();
                let mut ties = Vec::new();
                for &a in &members {
                    for (b, names) in &self.edges[a] {
                        if set.contains(b) {
                            let names: Vec<&str> = names.iter().map(String::as_str).collect();
                            ties.push(format!(
                                "{} -> {}: {}",
                                self.files[a].path,
                                self.files[*b].path,
                                names.join(", ")
                            ));
                        }
                    }
                }
                out.push(Cycle {
                    files: members
                        .iter()
                        .map(|&m| self.files[m].path.clone())
                        .collect(),
                    ties,
                });
            }
        }
    }
}
