//! The staged form of an epoch's records (what the exactly-once sink's writer keeps
//! until the committer produces it): the version mark `SKR2`, then per record the
//! frames key, value, topic and a header count followed by each header's name and
//! value frames; a frame is a little-endian `u32` length (`u32::MAX`: absent, for
//! key and topic) and its bytes. Files without the mark are version 1 (key and value
//! frames only), still read.

use crate::ProducerRecord;

const ABSENT: u32 = u32::MAX;

/// The first bytes of a version 2 file.
const MARK: &[u8; 4] = b"SKR2";

fn frame(out: &mut Vec<u8>, bytes: Option<&[u8]>) {
    match bytes {
        Some(bytes) => {
            out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            out.extend_from_slice(bytes);
        }
        None => out.extend_from_slice(&ABSENT.to_le_bytes()),
    }
}

/// `records` as bytes.
pub(crate) fn encode(records: &[ProducerRecord]) -> Vec<u8> {
    let size: usize = records
        .iter()
        .map(|r| 16 + r.value.len() + r.key.as_ref().map_or(0, Vec::len))
        .sum();
    let mut out = Vec::with_capacity(4 + size);
    out.extend_from_slice(MARK);
    for r in records {
        frame(&mut out, r.key.as_deref());
        frame(&mut out, Some(&r.value));
        frame(&mut out, r.topic.as_deref().map(str::as_bytes));
        out.extend_from_slice(&(r.headers.len() as u32).to_le_bytes());
        for (name, value) in &r.headers {
            frame(&mut out, Some(name.as_bytes()));
            frame(&mut out, Some(value));
        }
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
    let v2 = bytes.starts_with(MARK);
    if v2 {
        at = MARK.len();
    }
    let len = |b: &[u8]| u32::from_le_bytes(b.try_into().expect("four bytes"));
    let optional = |at: &mut usize| -> Result<Option<Vec<u8>>, String> {
        match len(take(4, at)?) {
            ABSENT => Ok(None),
            n => Ok(Some(take(n as usize, at)?.to_vec())),
        }
    };
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).map_err(|e| format!("staged text: {e}"));
    while at < bytes.len() {
        let key = optional(&mut at)?;
        let value = optional(&mut at)?.unwrap_or_default();
        let mut record = ProducerRecord {
            key,
            value,
            ..ProducerRecord::default()
        };
        if v2 {
            record.topic = optional(&mut at)?.map(text).transpose()?;
            for _ in 0..len(take(4, &mut at)?) {
                let name = text(optional(&mut at)?.unwrap_or_default())?;
                record
                    .headers
                    .push((name, optional(&mut at)?.unwrap_or_default()));
            }
        }
        records.push(record);
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
            ProducerRecord::keyed("", "v")
                .to("other")
                .header("error", "bad"),
        ];
        let bytes = encode(&records);
        // Mark 4; then key, value, topic, header count: 4+4+5+4+4, 4+1+4+4+4,
        // 4+4+1+4+5+4 and the header 4+5+4+3.
        assert_eq!(bytes.len(), 4 + 21 + 17 + 22 + 16);
        assert_eq!(decode(&bytes).unwrap(), records);
        // Version 1 (no mark): key and value frames.
        let v1 = [&[0xff, 0xff, 0xff, 0xff][..], &3u32.to_le_bytes(), b"a,b"].concat();
        assert_eq!(decode(&v1).unwrap(), [ProducerRecord::value("a,b")]);
        assert!(
            decode(&bytes[..bytes.len() - 1])
                .unwrap_err()
                .contains("inside a frame")
        );
    }
}
