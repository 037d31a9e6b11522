//! Fixed-width little-endian words read off a fuzz input. Past the input's end they read as
//! zero, so short inputs still reach every check of a target.
#![allow(dead_code)] // each target reads the widths it needs

pub struct Words<'a>(pub &'a [u8]);

impl Words<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let n = self.0.len().min(N);
        let mut buf = [0u8; N];
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        buf
    }

    pub fn u8(&mut self) -> u8 {
        self.take::<1>()[0]
    }

    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take())
    }

    pub fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take())
    }

    pub fn u128(&mut self) -> u128 {
        u128::from_le_bytes(self.take())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
