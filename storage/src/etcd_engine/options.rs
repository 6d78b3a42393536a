//! [`EtcdOptions`]: how the engine reaches and uses an etcd cluster.

use std::time::Duration;

/// How to reach and use an etcd cluster.
#[derive(Debug, Clone)]
pub struct EtcdOptions {
    /// Every key the engine writes starts with this. Default `/clusterdb/`.
    pub prefix: String,
    /// Limit for one request; a commit that hits it has an unknown outcome.
    /// Default 5 s.
    pub request_timeout: Duration,
    /// Limit for establishing a connection. Default 5 s.
    pub connect_timeout: Duration,
}

impl Default for EtcdOptions {
    fn default() -> Self {
        EtcdOptions {
            prefix: "/clusterdb/".into(),
            request_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
        }
    }
}
