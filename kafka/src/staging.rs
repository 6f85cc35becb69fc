//! The staged form of an epoch's records (what the exactly-once sink's writer keeps
//! until the committer produces it): frames of key and value, each a little-endian
//! `u32` length (`u32::MAX`: no key) and its bytes.

use crate::ProducerRecord;

const NO_KEY: u32 = u32::MAX;

/// `records` as bytes.
pub(crate) fn encode(records: &[ProducerRecord]) -> Vec<u8> {
    let size: usize = records
        .iter()
        .map(|r| 8 + r.value.len() + r.key.as_ref().map_or(0, Vec::len))
        .sum();
    let mut out = Vec::with_capacity(size);
    for r in records {
        match &r.key {
            Some(key) => {
                out.extend_from_slice(&(key.len() as u32).to_le_bytes());
                out.extend_from_slice(key);
            }
            None => out.extend_from_slice(&NO_KEY.to_le_bytes()),
        }
        out.extend_from_slice(&(r.value.len() as u32).to_le_bytes());
        out.extend_from_slice(&r.value);
    }
    out
}

/// The records of `bytes` (from [`encode`]).
///
/// # Errors
/// When the bytes end inside a frame (a damaged file).
pub(crate) fn decode(bytes: &[u8]) -> Result<Vec<ProducerRecord>, String> {
    let mut records = Vec::new();
    let mut at = 0;
    let take = |n: usize, at: &mut usize| -> Result<&[u8], String> {
        let end = at
            .checked_add(n)
            .filter(|&e| e <= bytes.len())
            .ok_or_else(|| format!("staged records end inside a frame at byte {at}"))?;
        let slice = &bytes[*at..end];
        *at = end;
        Ok(slice)
    };
    while at < bytes.len() {
        let len = |b: &[u8]| u32::from_le_bytes(b.try_into().expect("four bytes"));
        let key_len = len(take(4, &mut at)?);
        let key = match key_len {
            NO_KEY => None,
            n => Some(take(n as usize, &mut at)?.to_vec()),
        };
        let value_len = len(take(4, &mut at)?) as usize;
        let value = take(value_len, &mut at)?.to_vec();
        records.push(ProducerRecord { key, value });
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_a_cut_is_an_error() {
        let records = vec![
            ProducerRecord::value("a,1,2"),
            ProducerRecord::keyed("k", ""),
            ProducerRecord::keyed("", "v"),
        ];
        let bytes = encode(&records);
        // 4+0+4+5, 4+1+4+0, 4+0+4+1 bytes.
        assert_eq!(bytes.len(), 13 + 9 + 9);
        assert_eq!(decode(&bytes).unwrap(), records);
        assert!(
            decode(&bytes[..bytes.len() - 1])
                .unwrap_err()
                .contains("inside a frame")
        );
    }
}
