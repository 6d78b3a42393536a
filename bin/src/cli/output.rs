//! What commands print: JSON and YAML exactly as the API answered (key
//! order included; lists as arrays), or a table of the columns a person
//! wants, aligned to the terminal.

use std::io::Write as _;

use clusterdb_client::Json;
use serde::Serialize;
use serde_json::Value;

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns (the default).
    #[default]
    Table,
    /// The table with more columns.
    Wide,
    /// The API's JSON, pretty-printed.
    Json,
    /// The API's JSON as YAML.
    Yaml,
}

/// One column of a table.
pub struct Column {
    /// The heading.
    pub header: &'static str,
    /// What the cell shows.
    pub cell: Cell,
    /// Only with `-o wide`.
    pub wide: bool,
    /// How the column gives way when the table is wider than the terminal.
    pub fit: Fit,
}

/// How a column gives way to a narrow terminal. A table never breaks a
/// cell across lines: free text shortens first, then columns are left out
/// from the right (`-o wide` in a wider terminal, or a pipe, shows all).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Fit {
    /// Shown whole or not at all (ids, names, numbers, states).
    Whole,
    /// Free text: cut with `…` at the end.
    Shorten,
    /// A trend: its oldest (leftmost) characters go first.
    KeepEnd,
}

/// How a cell is made from a resource's JSON.
#[derive(Clone, Copy)]
pub enum Cell {
    /// A field as text (`-` when absent or null); `a.b` is a nested one.
    Field(&'static str),
    /// The time since an RFC 3339 field, e.g. `5m`.
    Age(&'static str),
    /// The number of items of an array field.
    Count(&'static str),
    /// An array field joined with commas.
    List(&'static str),
    /// An object field as `k=v,…`.
    Map(&'static str),
}

impl Column {
    /// A column in both tables.
    pub const fn new(header: &'static str, cell: Cell) -> Column {
        Column {
            header,
            cell,
            wide: false,
            fit: Fit::Whole,
        }
    }

    /// A column of `-o wide` only.
    pub const fn wide(header: &'static str, cell: Cell) -> Column {
        Column {
            header,
            cell,
            wide: true,
            fit: Fit::Whole,
        }
    }

    /// This column, of free text that may be shortened.
    pub const fn shortened(self) -> Column {
        Column {
            fit: Fit::Shorten,
            ..self
        }
    }

    /// This column, a trend whose oldest end may be cut.
    pub const fn keeping_end(self) -> Column {
        Column {
            fit: Fit::KeepEnd,
            ..self
        }
    }
}

impl Cell {
    fn render(self, item: &Value, now: clusterdb::Timestamp) -> String {
        // A dotted name reaches into nested objects.
        let field = |name: &str| {
            name.split('.')
                .try_fold(item, |value, key| value.get(key))
                .filter(|v| !v.is_null())
        };
        let text = match self {
            Cell::Field(name) => field(name).map(scalar),
            Cell::Age(name) => field(name)
                .and_then(Value::as_str)
                .and_then(clusterdb::Timestamp::parse_rfc3339)
                .map(|t| age(now.unix_millis().saturating_sub(t.unix_millis()))),
            Cell::Count(name) => field(name)
                .and_then(Value::as_array)
                .map(|a| a.len().to_string()),
            Cell::List(name) => field(name)
                .and_then(Value::as_array)
                .filter(|a| !a.is_empty())
                .map(|a| a.iter().map(scalar).collect::<Vec<_>>().join(",")),
            Cell::Map(name) => field(name)
                .and_then(Value::as_object)
                .filter(|m| !m.is_empty())
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| format!("{k}={}", scalar(v)))
                        .collect::<Vec<_>>()
                        .join(",")
                }),
        };
        text.filter(|t| !t.is_empty())
            .unwrap_or_else(|| "-".to_string())
    }
}

/// A JSON value as a cell's text: strings without quotes, fractions
/// rounded for people (`56.08`; `-o json|yaml` keep them exact).
fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_f64() => {
            let rounded = format!("{:.2}", n.as_f64().unwrap_or_default());
            rounded
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string()
        }
        other => other.to_string(),
    }
}

/// A duration as `kubectl` shows ages: `45s`, `12m`, `3h`, `5d`.
pub fn age(millis: i64) -> String {
    let seconds = (millis / 1000).max(0);
    match seconds {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s if s < 730 * 86_400 => format!("{}d", s / 86_400),
        s => format!("{}y", s / (365 * 86_400)),
    }
}

/// A raw JSON answer that serializes as itself, key order included.
struct Ordered<'a>(&'a str);

impl Serialize for Ordered<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut deserializer = serde_json::Deserializer::from_str(self.0);
        serde_transcode::Transcoder::new(&mut deserializer).serialize(serializer)
    }
}

/// `value` as pretty JSON or YAML text (ending in a newline).
fn document<T: Serialize>(format: Format, value: &T) -> anyhow::Result<String> {
    Ok(match format {
        Format::Yaml => serde_saphyr::to_string(value)?,
        _ => serde_json::to_string_pretty(value)? + "\n",
    })
}

fn write_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // A closed pipe (`| head`) is not an error of ours.
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Prints one resource.
pub fn object(format: Format, columns: &[Column], item: &Json) -> anyhow::Result<()> {
    list(format, columns, std::slice::from_ref(item), "")
}

/// Prints a list (an array in JSON and YAML); `plural` names the items
/// when there are none.
pub fn list(
    format: Format,
    columns: &[Column],
    items: &[Json],
    plural: &str,
) -> anyhow::Result<()> {
    match format {
        Format::Json | Format::Yaml => {
            let ordered: Vec<Ordered> = items.iter().map(|i| Ordered(i.get())).collect();
            // One resource alone is printed as itself, not an array.
            let text = if plural.is_empty() && ordered.len() == 1 {
                document(format, &ordered[0])?
            } else {
                document(format, &ordered)?
            };
            write_stdout(&text)
        }
        Format::Table | Format::Wide => {
            if items.is_empty() {
                eprintln!("No {plural} found.");
                return Ok(());
            }
            let values = items
                .iter()
                .map(|i| serde_json::from_str::<Value>(i.get()))
                .collect::<Result<Vec<_>, _>>()?;
            write_stdout(&table(format == Format::Wide, columns, &values))
        }
    }
}

/// Prints an answer that carries a secret shown only once (a person is
/// told to store `what` now).
pub fn secret_answer(format: Format, json: &Json, what: &str) -> anyhow::Result<()> {
    raw(format, json)?;
    if matches!(format, Format::Table | Format::Wide) {
        eprintln!("Store the {what} now: it cannot be shown again.");
    }
    Ok(())
}

/// Prints any JSON answer as it is (JSON or YAML), or as `key  value`
/// lines for a person, in the server's order.
pub fn raw(format: Format, item: &Json) -> anyhow::Result<()> {
    match format {
        Format::Json | Format::Yaml => write_stdout(&document(format, &Ordered(item.get()))?),
        Format::Table | Format::Wide => {
            let text = match serde_json::from_str::<Fields>(item.get()) {
                Ok(Fields(fields)) => {
                    let width = fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
                    fields
                        .iter()
                        .map(|(key, value)| {
                            let value = match value {
                                Value::Null => "-".to_string(),
                                other => scalar(other),
                            };
                            format!("{key:width$}  {value}\n")
                        })
                        .collect()
                }
                Err(_) => format!("{}\n", scalar(&serde_json::from_str(item.get())?)),
            };
            write_stdout(&text)
        }
    }
}

/// A JSON object's fields in their order.
struct Fields(Vec<(String, Value)>);

impl<'de> serde::Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Fields;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Fields, A::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    fields.push(entry);
                }
                Ok(Fields(fields))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// Lines for stderr that must follow the command's output (a pagination
/// hint after its table), written by [`write_deferred`].
static DEFERRED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Keeps `line` for stderr until the command's output is written.
pub fn after_output(line: String) {
    DEFERRED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(line);
}

/// Writes the lines kept by [`after_output`] to stderr.
pub fn write_deferred() {
    let lines = std::mem::take(&mut *DEFERRED.lock().unwrap_or_else(|p| p.into_inner()));
    for line in lines {
        eprintln!("{line}");
    }
}

/// Prints a line for a person (table output only): what a command did
/// that has no resource to show.
pub fn note(format: Format, text: &str) -> anyhow::Result<()> {
    if matches!(format, Format::Table | Format::Wide) {
        write_stdout(&format!("{text}\n"))?;
    }
    Ok(())
}

/// Spaces between columns.
const GAP: usize = 3;
/// The narrowest a shortened column gets (its header may be wider).
const MIN_SHORTENED: usize = 8;

/// The table text: a heading row and one row per item, no borders, fitted
/// to the terminal's width when stdout is one (see [`Fit`]).
pub fn table(wide: bool, columns: &[Column], items: &[Value]) -> String {
    let width = terminal_size::terminal_size_of(std::io::stdout())
        .map(|(terminal_size::Width(w), _)| usize::from(w));
    table_in(wide, columns, items, width)
}

/// [`table`] for a terminal `width` columns wide (`None`: not a terminal,
/// no fitting).
pub fn table_in(wide: bool, columns: &[Column], items: &[Value], width: Option<usize>) -> String {
    let now = clusterdb::Timestamp::now();
    let shown: Vec<&Column> = columns.iter().filter(|c| wide || !c.wide).collect();
    // Each column: its cells, header first.
    let cells: Vec<Vec<String>> = shown
        .iter()
        .map(|c| {
            std::iter::once(c.header.to_string())
                .chain(items.iter().map(|item| c.cell.render(item, now)))
                .collect()
        })
        .collect();
    let natural: Vec<usize> = cells
        .iter()
        .map(|column| column.iter().map(|c| text_width(c)).max().unwrap_or(0))
        .collect();
    let fits: Vec<Fit> = shown.iter().map(|c| c.fit).collect();
    let widths = match width {
        Some(limit) => fit_widths(&natural, &fits, &cells, limit),
        None => natural.iter().copied().map(Some).collect(),
    };
    let mut text = String::new();
    for row in 0..=items.len() {
        let mut line = String::new();
        for (k, column) in cells.iter().enumerate() {
            let Some(width) = widths[k] else { continue };
            if !line.is_empty() {
                line.push_str(&" ".repeat(GAP));
            }
            let cell = cut(&column[row], width, fits[k]);
            let pad = width.saturating_sub(text_width(&cell));
            line.push_str(&cell);
            line.push_str(&" ".repeat(pad));
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// Display columns a text takes.
fn text_width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// Each column's width within `limit` (`None`: left out): shortenable
/// columns give way first, down to [`MIN_SHORTENED`] (or their header),
/// then columns are left out from the right; the first always stays.
fn fit_widths(
    natural: &[usize],
    fits: &[Fit],
    cells: &[Vec<String>],
    limit: usize,
) -> Vec<Option<usize>> {
    let mut widths: Vec<Option<usize>> = natural.iter().copied().map(Some).collect();
    let total = |widths: &[Option<usize>]| {
        let shown: Vec<usize> = widths.iter().flatten().copied().collect();
        shown.iter().sum::<usize>() + GAP * shown.len().saturating_sub(1)
    };
    loop {
        let mut excess = total(&widths).saturating_sub(limit);
        if excess == 0 {
            return widths;
        }
        // Widest shortenable columns give way first.
        let mut order: Vec<usize> = (0..widths.len())
            .filter(|&k| fits[k] != Fit::Whole && widths[k].is_some())
            .collect();
        order.sort_by_key(|&k| std::cmp::Reverse(widths[k]));
        for k in order {
            let floor = MIN_SHORTENED.max(text_width(&cells[k][0]));
            let current = widths[k].unwrap_or(0);
            let give = excess.min(current.saturating_sub(floor));
            widths[k] = Some(current - give);
            excess -= give;
        }
        if excess == 0 {
            return widths;
        }
        match widths.iter().rposition(Option::is_some) {
            Some(last) if last > 0 => widths[last] = None,
            _ => return widths,
        }
        // A column left out may leave room to widen the others again.
        for k in 0..widths.len() {
            if widths[k].is_some() {
                widths[k] = Some(natural[k]);
            }
        }
    }
}

/// `text` within `width` display columns, as `fit` says.
fn cut(text: &str, width: usize, fit: Fit) -> String {
    if text_width(text) <= width {
        return text.to_string();
    }
    match fit {
        Fit::KeepEnd => {
            let mut kept: Vec<char> = Vec::new();
            let mut used = 0;
            for c in text.chars().rev() {
                let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
                if used + w > width {
                    break;
                }
                used += w;
                kept.push(c);
            }
            kept.into_iter().rev().collect()
        }
        // A whole column is never narrower than its text; shortened ones are.
        Fit::Whole | Fit::Shorten => {
            let mut out = String::new();
            let mut used = 0;
            for c in text.chars() {
                let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
                if used + w + 1 > width {
                    break;
                }
                used += w;
                out.push(c);
            }
            out.push('…');
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const COLUMNS: &[Column] = &[
        Column::new("NAME", Cell::Field("name")),
        Column::new("CAPACITY", Cell::Field("capacity")),
        Column::new("MEMBERS", Cell::Count("members")),
        Column::wide("TAGS", Cell::Map("tags")),
    ];

    #[test]
    fn tables_align_columns_and_wide_adds_more() {
        let items = [
            json!({"name": "web", "capacity": 3, "members": [1, 2], "tags": {"env": "prod"}}),
            json!({"name": "database", "capacity": null, "tags": {}}),
        ];
        let text = table(false, COLUMNS, &items);
        assert_eq!(
            text,
            "NAME       CAPACITY   MEMBERS\nweb        3          2\ndatabase   -          -\n"
        );
        let wide = table(true, COLUMNS, &items);
        assert!(wide.lines().next().unwrap().ends_with("TAGS"), "{wide}");
        assert!(wide.contains("env=prod"), "{wide}");
    }

    #[test]
    fn ages_read_like_kubectl() {
        assert_eq!(age(5_000), "5s");
        assert_eq!(age(600_000), "10m");
        assert_eq!(age(3 * 3_600_000), "3h");
        assert_eq!(age(5 * 86_400_000), "5d");
        assert_eq!(age(-5), "0s");
    }

    #[test]
    fn documents_keep_the_servers_key_order() {
        let raw = r#"{"id":"x","capacity":3,"a":{"z":1,"b":[true,null]}}"#;
        let json_text = document(Format::Json, &Ordered(raw)).unwrap();
        let keys: Vec<&str> = json_text
            .lines()
            .filter_map(|l| l.trim().split('"').nth(1))
            .collect();
        assert_eq!(keys, ["id", "capacity", "a", "z", "b"]);
        let yaml = document(Format::Yaml, &Ordered(raw)).unwrap();
        assert!(
            yaml.find("id:").unwrap() < yaml.find("capacity:").unwrap(),
            "{yaml}"
        );
        let back: Value = serde_saphyr::from_str(&yaml).unwrap();
        assert_eq!(back, serde_json::from_str::<Value>(raw).unwrap());
    }

    const INSTANCE_LIKE: &[Column] = &[
        Column::new("ID", Cell::Field("id")),
        Column::new("NAME", Cell::Field("name")),
        Column::new("STATE", Cell::Field("state")),
        Column::new("TYPE", Cell::Field("instance_type")),
        Column::new("FLEET", Cell::Field("fleet_id")),
        Column::new("VALUE", Cell::Field("value")),
        Column::new("DESCRIPTION", Cell::Field("description")).shortened(),
        Column::new("TREND", Cell::Field("trend")).keeping_end(),
    ];

    fn instances() -> Vec<Value> {
        (0..3)
            .map(|i| {
                json!({
                    "id": format!("instance-01m8q7x2v9k3h5j6n4p2r8s0bp5c{i}"),
                    "name": format!("web-fleet-{i}"),
                    "state": "running",
                    "instance_type": "t3.medium",
                    "fleet_id": "fleet-01m8q7x2v9k3h5j6n4p2r8s0ab",
                    "value": 56.07607196415197,
                    "description": "serves the public web site and its assets from three zones",
                    "trend": "▁▂▃▄▅▆▇█▁▂▃▄▅▆▇█▁▂▃▄▅▆▇█end",
                })
            })
            .collect()
    }

    #[test]
    fn tables_fit_the_terminal_without_breaking_a_cell() {
        let items = instances();
        for width in [60, 80, 120] {
            let text = table_in(false, INSTANCE_LIKE, &items, Some(width));
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), 4, "one line per row at {width}:\n{text}");
            for line in &lines {
                assert!(text_width(line) <= width, "{width}: {line:?}");
            }
            assert!(lines[0].starts_with("ID"), "{text}");
            // Ids and names are whole on every row.
            for (i, line) in lines[1..].iter().enumerate() {
                let id = format!("instance-01m8q7x2v9k3h5j6n4p2r8s0bp5c{i} ");
                assert!(line.starts_with(&id), "{width}: {line:?}");
                if width >= 80 {
                    assert!(
                        line.contains(&format!("web-fleet-{i} ")),
                        "{width}: {line:?}"
                    );
                }
            }
            // Headers are whole words.
            for header in lines[0].split_whitespace() {
                assert!(INSTANCE_LIKE.iter().any(|c| c.header == header), "{header}");
            }
        }
        // 120 columns: free text is shortened, the trend keeps its end.
        let text = table_in(false, INSTANCE_LIKE, &items, Some(120));
        assert!(text.contains("FLEET"), "{text}");
        // Not a terminal: every column whole.
        let whole = table_in(false, INSTANCE_LIKE, &items, None);
        assert!(whole.contains("serves the public web site and its assets from three zones"));
        assert!(whole.contains("▆▇█end"));
    }

    #[test]
    fn free_text_shortens_before_columns_go_and_trends_keep_their_end() {
        let items = instances();
        let whole = table_in(false, INSTANCE_LIKE, &items, None);
        let natural = whole.lines().map(text_width).max().unwrap();
        let text = table_in(false, INSTANCE_LIKE, &items, Some(natural - 20));
        let header = text.lines().next().unwrap();
        assert!(header.ends_with("TREND"), "no column left out: {header}");
        assert!(text.contains('…'), "{text}");
        let row = text.lines().nth(1).unwrap();
        assert!(row.ends_with("end"), "{row}");
    }

    #[test]
    fn fractions_are_rounded_for_people() {
        let items = instances();
        let text = table_in(false, INSTANCE_LIKE, &items, None);
        assert!(text.contains(" 56.08 "), "{text}");
        assert_eq!(scalar(&json!(2.5)), "2.5");
        assert_eq!(scalar(&json!(3.0)), "3");
        assert_eq!(scalar(&json!(7)), "7");
    }
}
