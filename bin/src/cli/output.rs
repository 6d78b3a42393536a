//! What commands print: JSON and YAML exactly as the API answered (key
//! order included; lists as arrays), or a table of the columns a person
//! wants, aligned to the terminal.

use std::io::Write as _;

use clusterdb_api::client::Json;
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
        }
    }

    /// A column of `-o wide` only.
    pub const fn wide(header: &'static str, cell: Cell) -> Column {
        Column {
            header,
            cell,
            wide: true,
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

/// A JSON value as a cell's text: strings without quotes.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
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

/// Prints a line for a person (table output only): what a command did
/// that has no resource to show.
pub fn note(format: Format, text: &str) -> anyhow::Result<()> {
    if matches!(format, Format::Table | Format::Wide) {
        write_stdout(&format!("{text}\n"))?;
    }
    Ok(())
}

/// The table text: a heading row and one row per item, no borders,
/// fitted to the terminal's width when stdout is one.
pub fn table(wide: bool, columns: &[Column], items: &[Value]) -> String {
    let now = clusterdb::Timestamp::now();
    let columns: Vec<&Column> = columns.iter().filter(|c| wide || !c.wide).collect();
    let mut table = comfy_table::Table::new();
    table
        .load_style(comfy_table::presets::NOTHING)
        .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
        .set_header(columns.iter().map(|c| c.header));
    if let Some((terminal_size::Width(width), _)) =
        terminal_size::terminal_size_of(std::io::stdout())
    {
        table.set_width(width);
    }
    for item in items {
        table.add_row(columns.iter().map(|c| c.cell.render(item, now)));
    }
    for column in table.column_iter_mut() {
        column.set_padding((0, 3));
    }
    let mut text: String = table
        .lines()
        .map(|line| line.trim_end().to_string() + "\n")
        .collect();
    if text.is_empty() {
        text.push('\n');
    }
    text
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
}
