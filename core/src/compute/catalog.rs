//! The catalog of instance types that fleets and instances may use.

use std::collections::BTreeMap;
use std::sync::Arc;

/// One instance type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceType {
    /// Name, e.g. `t3.medium`.
    pub name: String,
    /// Virtual CPUs.
    pub vcpus: u32,
    /// Memory in MiB.
    pub memory_mib: u32,
}

/// The instance types known to this ClusterDB. The built-in list
/// ([`InstanceTypeCatalog::default`]) can be replaced by the embedding
/// application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceTypeCatalog {
    types: Arc<BTreeMap<String, InstanceType>>,
}

impl InstanceTypeCatalog {
    /// A catalog of exactly these types.
    pub fn new(types: impl IntoIterator<Item = InstanceType>) -> Self {
        InstanceTypeCatalog {
            types: Arc::new(types.into_iter().map(|t| (t.name.clone(), t)).collect()),
        }
    }

    /// The type called `name`.
    pub fn get(&self, name: &str) -> Option<&InstanceType> {
        self.types.get(name)
    }

    /// Whether `name` is in the catalog.
    pub fn contains(&self, name: &str) -> bool {
        self.types.contains_key(name)
    }

    /// All type names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.types.keys().map(String::as_str)
    }
}

impl Default for InstanceTypeCatalog {
    /// General-purpose (t3, m5), compute (c5) and memory (r5) types.
    fn default() -> Self {
        const BUILTIN: &[(&str, u32, u32)] = &[
            ("t3.nano", 2, 512),
            ("t3.micro", 2, 1024),
            ("t3.small", 2, 2048),
            ("t3.medium", 2, 4096),
            ("t3.large", 2, 8192),
            ("t3.xlarge", 4, 16384),
            ("m5.large", 2, 8192),
            ("m5.xlarge", 4, 16384),
            ("m5.2xlarge", 8, 32768),
            ("c5.large", 2, 4096),
            ("c5.xlarge", 4, 8192),
            ("r5.large", 2, 16384),
            ("r5.xlarge", 4, 32768),
        ];
        InstanceTypeCatalog::new(
            BUILTIN
                .iter()
                .map(|&(name, vcpus, memory_mib)| InstanceType {
                    name: name.to_string(),
                    vcpus,
                    memory_mib,
                }),
        )
    }
}

/// Checks that `value` names a type in the catalog.
pub(crate) fn check_instance_type(
    subject: &'static str,
    catalog: &InstanceTypeCatalog,
    value: &str,
) -> crate::Result<()> {
    if catalog.contains(value) {
        return Ok(());
    }
    let known: Vec<&str> = catalog.names().collect();
    Err(crate::Error::invalid(
        subject,
        "instance_type",
        format!(
            "must be one of the catalog's instance types: {}",
            known.join(", ")
        ),
    ))
}
