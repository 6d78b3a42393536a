//! A redb storage backend that fails on demand, as a full or broken disk
//! would: after [`FaultSwitch::fail`], every write, resize and sync returns
//! an I/O error (reads keep working); [`FaultSwitch::panic_once`] makes the
//! next one panic instead.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use redb::StorageBackend;
use redb::backends::InMemoryBackend;

/// Turns the faults of a [`FaultyBackend`] on.
#[derive(Debug, Clone, Default)]
pub struct FaultSwitch {
    fail: Arc<AtomicBool>,
    panic_once: Arc<AtomicBool>,
}

impl FaultSwitch {
    /// From now on, writes fail.
    pub fn fail(&self) {
        self.fail.store(true, Ordering::SeqCst);
    }

    /// The next write panics (once: the unwinding may write again).
    pub fn panic_once(&self) {
        self.panic_once.store(true, Ordering::SeqCst);
    }

    fn failing(&self) -> bool {
        self.fail.load(Ordering::SeqCst)
    }

    fn take_panic(&self) -> bool {
        self.panic_once.swap(false, Ordering::SeqCst)
    }
}

/// An in-memory backend whose writes fail once its switch is thrown.
#[derive(Debug)]
pub struct FaultyBackend {
    inner: InMemoryBackend,
    switch: FaultSwitch,
}

impl FaultyBackend {
    /// A backend and the switch that breaks it.
    pub fn new() -> (Self, FaultSwitch) {
        let switch = FaultSwitch::default();
        let backend = FaultyBackend {
            inner: InMemoryBackend::new(),
            switch: switch.clone(),
        };
        (backend, switch)
    }

    fn check(&self) -> std::io::Result<()> {
        if self.switch.take_panic() {
            panic!("injected panic in the storage backend");
        }
        if self.switch.failing() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                "No space left on device (injected)",
            ));
        }
        Ok(())
    }
}

impl StorageBackend for FaultyBackend {
    fn len(&self) -> std::io::Result<u64> {
        self.inner.len()
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> std::io::Result<()> {
        self.inner.read(offset, out)
    }

    fn set_len(&self, len: u64) -> std::io::Result<()> {
        self.check()?;
        self.inner.set_len(len)
    }

    fn sync_data(&self) -> std::io::Result<()> {
        self.check()?;
        self.inner.sync_data()
    }

    fn write(&self, offset: u64, data: &[u8]) -> std::io::Result<()> {
        self.check()?;
        self.inner.write(offset, data)
    }
}
