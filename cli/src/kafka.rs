//! `strom kafka produce` and `strom kafka consume`: lines of a file into a topic, and
//! a topic's records out as lines (small helpers for demos and tests; the jobs read
//! and write Kafka through `kafka://` URLs in `--input`/`--output`).

use std::io::BufRead;

use anyhow::{Context, Result};
use strom_kafka::KafkaUrl;
use strom_kafka::tools::{consume_lines, produce_lines};

/// `strom kafka` commands.
#[derive(clap::Subcommand, Debug)]
pub enum KafkaCommand {
    /// Produces every line of a file as one record (the topic is created when
    /// missing, with `?partitions=N`); prints the count.
    Produce {
        /// The file (`-`: standard input).
        #[arg(long, value_name = "FILE")]
        input: String,
        /// The topic: `kafka://HOST:PORT/TOPIC[?partitions=N]`.
        #[arg(long, value_name = "URL")]
        to: String,
        /// Key records by this CSV field (from 1); without it, line `i` goes to
        /// partition `i % partitions`.
        #[arg(long, value_name = "N")]
        key_field: Option<usize>,
    },
    /// Prints the value of every record of a topic, one per line, until it has been
    /// idle for a while after reaching the end.
    Consume {
        /// The topic: `kafka://HOST:PORT/TOPIC[?start=earliest|latest]`.
        #[arg(long, value_name = "URL")]
        from: String,
        /// Only records of committed transactions.
        #[arg(long)]
        read_committed: bool,
        /// Stop once no record has come for this long after the end.
        #[arg(long, value_name = "DURATION", default_value = "2s")]
        until_idle: String,
    },
}

/// Runs a `strom kafka` command.
///
/// # Errors
/// A bad URL or file, or brokers that cannot be reached.
pub fn run(command: KafkaCommand) -> Result<()> {
    match command {
        KafkaCommand::Produce {
            input,
            to,
            key_field,
        } => {
            let url = KafkaUrl::parse(&to).context("--to")?;
            let reader: Box<dyn BufRead> = if input == "-" {
                Box::new(std::io::stdin().lock())
            } else {
                let file =
                    std::fs::File::open(&input).with_context(|| format!("--input {input}"))?;
                Box::new(std::io::BufReader::new(file))
            };
            let n = produce_lines(&url, reader.lines(), key_field)
                .with_context(|| format!("cannot produce {input} to {to}"))?;
            eprintln!("produced {n} records to {to}");
            Ok(())
        }
        KafkaCommand::Consume {
            from,
            read_committed,
            until_idle,
        } => {
            let url = KafkaUrl::parse(&from).context("--from")?;
            let idle =
                strom_jobs::window_agg::parse_duration(&until_idle).context("--until-idle")?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            consume_lines(
                &url,
                read_committed,
                std::time::Duration::from_millis(idle as u64),
                &mut out,
            )
            .with_context(|| format!("cannot consume {from}"))?;
            std::io::Write::flush(&mut out)?;
            Ok(())
        }
    }
}
