//! `wordcount`: Flink's classic. Words are the text lower-cased and split on every
//! character that is not an ASCII letter, digit or underscore (Java's `\W+`), empty
//! pieces dropped. Each worker reads its lines in blocks (no record per line) and counts
//! their words in a local hash map (looking words up without allocating), then the partial
//! counts are exchanged and summed.

use anyhow::Result;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use strom_core::RuntimeConfig;
use strom_dataset::{DataSet, TextBlock, agg, execute};

/// The built-in text: Hamlet's soliloquy, as in Flink's `WordCountData`.
pub const BUILTIN_TEXT: &str = include_str!("data/hamlet.txt");

/// `strom run wordcount` options.
#[derive(clap::Args, Debug, Clone)]
pub struct WordCountArgs {
    /// Text file, folder or glob to count (default: built-in text).
    #[arg(long, value_name = "URL")]
    pub input: Option<String>,
    /// Write `word,count` here, sorted by count descending, then word: CSV with a header,
    /// or Parquet when the URL ends in `.parquet`.
    #[arg(long, value_name = "URL")]
    pub output: Option<String>,
    /// Without --output: how many of the most frequent words to print.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
}

/// One output row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WordCount {
    /// The word.
    pub word: String,
    /// How often it occurs.
    pub count: u64,
}

/// Splits `line` into Flink WordCount words, calling `emit` for each.
pub fn tokenize(line: &str, emit: impl FnMut(&str)) {
    tokenize_with(line, &mut String::new(), emit);
}

/// As [`tokenize`], lower-casing into `scratch` (reused across lines, no allocation).
pub fn tokenize_with(line: &str, scratch: &mut String, mut emit: impl FnMut(&str)) {
    scratch.clear();
    if line.is_ascii() {
        scratch.push_str(line);
        scratch.make_ascii_lowercase();
    } else {
        scratch.extend(line.chars().flat_map(char::to_lowercase));
    }
    for word in scratch.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        if !word.is_empty() {
            emit(word);
        }
    }
}

/// The counted words of the lines in `blocks`, sorted by count descending, then word
/// ascending, on worker 0.
pub fn counts<'s>(blocks: &DataSet<'s, TextBlock>) -> DataSet<'s, WordCount> {
    blocks
        .fold_partition(
            || (FxHashMap::<String, u64>::default(), String::new()),
            |(counts, scratch), block| {
                for line in block.lines() {
                    tokenize_with(line, scratch, |w| match counts.get_mut(w) {
                        Some(c) => *c += 1,
                        None => {
                            counts.insert(w.to_string(), 1);
                        }
                    })
                }
            },
            |(counts, _)| counts.into_iter(),
        )
        .group_by(|wc: &(String, u64)| wc.0.clone())
        .aggregate(agg::sum(|wc: &(String, u64)| wc.1))
        .map(|(word, count)| WordCount { word, count })
        .gather()
        .sort_partition_by(|a, b| b.count.cmp(&a.count).then_with(|| a.word.cmp(&b.word)))
}

/// Runs the job.
pub fn run(config: &RuntimeConfig, args: &WordCountArgs) -> Result<()> {
    let input = args.input.clone();
    let output = args.output.clone();
    let top = args.top;
    let result = execute(config, move |env| {
        let blocks = match &input {
            Some(url) => env.read_text_blocks(url),
            None => env.from_collection(vec![TextBlock::new(BUILTIN_TEXT.to_owned())]),
        };
        let counted = counts(&blocks);
        match &output {
            Some(url) => {
                super::write_output(&counted, url);
                None
            }
            None => Some(counted.first(top).collect()),
        }
    })?;
    if let Some(Some(rows)) = result {
        let width = rows.iter().map(|r| r.word.len()).max().unwrap_or(4).max(4);
        println!("{:<width$}  count", "word");
        for row in rows {
            println!("{:<width$}  {}", row.word, row.count);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizes_like_java_non_word_split() {
        let mut words = Vec::new();
        tokenize("To be, or NOT_to be--that's it 42x Ünïcode", |w| {
            words.push(w.to_string())
        });
        assert_eq!(
            words,
            [
                "to", "be", "or", "not_to", "be", "that", "s", "it", "42x", "n", "code"
            ]
        );
    }
}
