//! The table as a `clap` command tree.

use clap::builder::{PossibleValuesParser, ValueParser};
use clap::{Arg as Flag, ArgAction, Command as Cmd};

use crate::{App, Arg, Body, Command, Place, Reply, Upload, ValueKind, Wait};
use contractfit_runtime::CREDENTIAL_SETTINGS;

/// The top-level commands beside the groups.
pub const COMPLETIONS: &str = "completions";

pub fn build(app: &'static App) -> Cmd {
    let mut root = Cmd::new(app.name)
        .version(app.version)
        .about(app.about)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .after_long_help(crate::output::EXIT_CODES_HELP)
        .args(connection_flags(app))
        .args(output_flags());
    for group in app.groups {
        let mut sub = Cmd::new(group.name)
            .about(group.about)
            .subcommand_required(true)
            .arg_required_else_help(true);
        for command in group.commands {
            sub = sub.subcommand(operation(command));
            if let Some(pages) = &command.pages {
                sub = sub.subcommand(listing(command, pages.command, pages.page_arg));
            }
        }
        root = root.subcommand(sub);
    }
    if let Some(upload) = app.upload {
        root = root.subcommand(upload_command(upload));
        if !app.groups.iter().any(|g| g.name == BATCH) {
            root = root.subcommand(batch_command());
        }
    }
    for wait in app.waits {
        root = root.subcommand(wait_command(wait));
    }
    root.subcommand(
        Cmd::new(COMPLETIONS)
            .about("Print a shell completion script (bash, zsh, fish, elvish, powershell)")
            .arg(
                Flag::new("shell")
                    .required(true)
                    .value_parser(clap::value_parser!(clap_complete::Shell)),
            ),
    )
}

/// Where the API is and how to authenticate, only for the schemes the API has.
fn connection_flags(app: &App) -> Vec<Flag> {
    let env = |name: &str| format!("{}_{name}", app.env_prefix);
    let mut flags = vec![{
        let flag = Flag::new("base-url")
            .long("base-url")
            .value_name("URL")
            .env(env("BASE_URL"))
            .help("The API's base URL");
        match app.default_base_url {
            Some(url) => flag.default_value(url),
            None => flag.required(true),
        }
    }];
    // The credentials the API's schemes take, as the runtime names them.
    for setting in CREDENTIAL_SETTINGS.iter().filter(|s| s.wanted(app.schemes)) {
        let flag = Flag::new(setting.flag)
            .long(setting.flag)
            .value_name(setting.variable)
            .env(env(setting.variable))
            .hide_env_values(true)
            .help(setting.help);
        flags.push(match setting.requires {
            Some(other) => flag.requires(other),
            None => flag,
        });
    }
    flags
}

fn output_flags() -> Vec<Flag> {
    vec![
        Flag::new("dry-run")
            .long("dry-run")
            .global(true)
            .action(ArgAction::SetTrue)
            .help("Print the request (secrets redacted) instead of sending it"),
        Flag::new("pretty")
            .long("pretty")
            .global(true)
            .action(ArgAction::SetTrue)
            .conflicts_with("compact")
            .help("Indented JSON (the default on a terminal)"),
        Flag::new("compact")
            .long("compact")
            .global(true)
            .action(ArgAction::SetTrue)
            .help("One-line JSON (the default when piped)"),
        Flag::new("output")
            .short('o')
            .long("output")
            .global(true)
            .value_name("FILE")
            .help("Write the answer's body to FILE (`-` for stdout) instead of stdout"),
    ]
}

fn operation(command: &'static Command) -> Cmd {
    let op = command.operation;
    let mut long = String::from(command.about);
    if !command.long_about.is_empty() {
        long.push_str("\n\n");
        long.push_str(command.long_about);
    }
    long.push_str(&format!("\n\n{} {}", op.method, op.path));
    let mut cmd = Cmd::new(command.name)
        .about(command.about)
        .long_about(long)
        .args(command.args.iter().map(|arg| flag(arg, true)));
    match command.body {
        Body::Json { required, .. } | Body::Bytes { required, .. } => {
            let what = if matches!(command.body, Body::Json { .. }) {
                "JSON"
            } else {
                "the body"
            };
            cmd = cmd.arg(
                Flag::new("body")
                    .long("body")
                    .value_name("TEXT|@FILE|-")
                    .required(required && !has_fields(command))
                    .help(format!(
                        "The whole request body: {what} as text, @FILE to read a file, - for stdin"
                    )),
            );
        }
        Body::None | Body::Multipart => {}
    }
    if let Reply::Binary { accept } = command.reply {
        cmd = cmd.after_help(format!("The answer is a file ({accept}): use -o FILE."));
    }
    cmd
}

fn has_fields(command: &Command) -> bool {
    command.args.iter().any(|a| a.place == Place::BodyField)
}

/// Every page of a paginated operation, item by item: the operation's flags without the page
/// number.
fn listing(command: &'static Command, name: &'static str, page_arg: &str) -> Cmd {
    Cmd::new(name)
        .about(format!(
            "Every item of `{}`, page after page, one JSON line each",
            command.name
        ))
        .args(
            command
                .args
                .iter()
                .filter(|arg| arg.name != page_arg)
                .map(|arg| flag(arg, true)),
        )
}

fn upload_command(upload: &'static Upload) -> Cmd {
    let command = upload.command;
    let files = Flag::new("files")
        .value_name("FILE|DIR")
        .required(true)
        .num_args(1..)
        .action(ArgAction::Append)
        .help("Files to upload; a directory stands for the files in it");
    let others = command
        .args
        .iter()
        .filter(|arg| arg.name != upload.file_arg)
        .map(|arg| flag(arg, false));
    Cmd::new("upload")
        .about(format!(
            "Upload files concurrently ({}), with --wait waiting for each to be processed",
            command.operation.name
        ))
        .long_about(format!(
            "Uploads every file with the operation `{}` (a directory stands for the files directly in it), at \
             most --concurrency at a time. With --wait, each upload is followed by polling until \
             the waiter `{}` says it is done. One JSON line per file goes to stdout: \
             {{\"file\", \"id\", \"result\"}}, or {{\"file\", \"id\", \"error\"}} for a file that \
             failed; a failure does not stop the other files. Progress goes to stderr: bars on a \
             terminal, plain lines otherwise.",
            command.operation.name, upload.wait.waiter.name
        ))
        .arg(files)
        .args(others)
        .arg(
            Flag::new("wait")
                .long("wait")
                .action(ArgAction::SetTrue)
                .help("Wait for each upload to be processed"),
        )
        .arg(
            Flag::new("journal")
                .long("journal")
                .value_name("FILE")
                .help(
                    "Keep where each file stands in this SQLite file, so that a run stopped at \
                     any point is finished by running it again with --resume: nothing the server \
                     acknowledged is sent twice",
                ),
        )
        .arg(
            Flag::new("resume")
                .long("resume")
                .action(ArgAction::SetTrue)
                .requires("journal")
                .help("Go on with the batch the journal holds (its unfinished files, and any new ones)"),
        )
        .arg(
            Flag::new("upload-duplicates")
                .long("upload-duplicates")
                .action(ArgAction::SetTrue)
                .help("Upload files whose content another file of the batch has (skipped by default)"),
        )
        .args(batch_flags())
}

/// The group of commands on batch journals.
pub const BATCH: &str = "batch";

fn batch_command() -> Cmd {
    Cmd::new(BATCH)
        .about("Batch journals (see upload --journal)")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(
            Cmd::new("status")
                .about("How many files of a batch are in each state")
                .long_about(
                    "Prints one JSON object with the journal's target and how many files are \
                     pending, uploading (the answer was lost: checked on the server when the \
                     batch resumes), uploaded, done, failed and duplicate; with --files, one \
                     JSON line per file after it.",
                )
                .arg(
                    Flag::new("journal")
                        .long("journal")
                        .value_name("FILE")
                        .required(true)
                        .help("The journal of `upload --journal`"),
                )
                .arg(
                    Flag::new("files")
                        .long("files")
                        .action(ArgAction::SetTrue)
                        .help("Also print one line per file"),
                ),
        )
}

fn wait_command(wait: &'static Wait) -> Cmd {
    Cmd::new(wait.name)
        .about(wait.about)
        .long_about(format!(
            "{} Polls `{}` for each id, at most --concurrency at a time; one JSON line per id \
             goes to stdout ({{\"id\", \"result\"}} or {{\"id\", \"error\"}}).",
            wait.about, wait.poll.name
        ))
        .arg(
            Flag::new("ids")
                .value_name("ID")
                .required(true)
                .num_args(1..)
                .action(ArgAction::Append),
        )
        .args(
            wait.poll
                .args
                .iter()
                .filter(|arg| arg.name != wait.id_arg)
                .map(|arg| flag(arg, false)),
        )
        .args(batch_flags())
}

fn batch_flags() -> Vec<Flag> {
    vec![
        Flag::new("max-wait")
            .long("max-wait")
            .value_name("SECONDS")
            .default_value("600")
            .value_parser(clap::value_parser!(u64))
            .help("Give up waiting for one item after this long"),
        Flag::new("concurrency")
            .long("concurrency")
            .value_name("N")
            .default_value("4")
            .value_parser(clap::value_parser!(u16).range(1..))
            .help("How many items are in flight at once"),
    ]
}

/// One argument as a flag; path parameters are positional when `positional_path` is set.
fn flag(arg: &'static Arg, positional_path: bool) -> Flag {
    let mut flag = Flag::new(arg.name).help(help(arg));
    if arg.place == Place::Path && positional_path {
        flag = flag.value_name(arg.name.to_uppercase().replace('-', "_"));
    } else {
        flag = flag.long(arg.name);
        if let Some(short) = arg.name.strip_suffix("-id").filter(|_| !positional_path) {
            flag = flag.visible_alias(short);
        }
    }
    // Body fields may come from `--body` instead, so only parameters are enforced here.
    flag = flag.required(arg.required && arg.place != Place::BodyField);
    if arg.many {
        flag = flag.action(ArgAction::Append);
    }
    match arg.value {
        ValueKind::Boolean => flag
            .num_args(0..=1)
            // `--flag` or `--flag=false`: with a separate value, `--flag ID` would take the
            // positional ID for its value.
            .require_equals(true)
            .default_missing_value("true")
            .value_parser(PossibleValuesParser::new(["true", "false"])),
        ValueKind::Enum(values) => flag.value_parser(PossibleValuesParser::new(values)),
        ValueKind::File => flag
            .value_name("PATH")
            .value_hint(clap::ValueHint::FilePath),
        kind => flag.value_parser(ValueParser::new(move |text: &str| {
            crate::values::check(kind, text).map(|()| text.to_owned())
        })),
    }
}

fn help(arg: &Arg) -> String {
    let mut help = arg.help.to_owned();
    if help.is_empty() {
        // The document describes nothing: at least say what it is on the wire.
        let place = match arg.place {
            Place::Path => "path parameter",
            Place::Query => "query parameter",
            Place::Header => "header",
            Place::Cookie => "cookie",
            Place::BodyField => "",
            Place::FormText | Place::FormFile => "form field",
        };
        if !place.is_empty() {
            help = format!("The {place} `{}`", arg.wire);
        }
    }
    if arg.place == Place::BodyField {
        if !help.is_empty() {
            help.push(' ');
        }
        help.push_str(match (arg.required, arg.value) {
            (true, ValueKind::Json) => "[body field, required; JSON]",
            (true, _) => "[body field, required]",
            (false, ValueKind::Json) => "[body field; JSON]",
            (false, _) => "[body field]",
        });
    }
    if let Some(default) = arg.default {
        if !help.is_empty() {
            help.push(' ');
        }
        help.push_str(&format!("[server default: {default}]"));
    }
    help
}
