//! One command: arguments to a request, the request to an answer, the answer to output.

use clap::ArgMatches;

use crate::command::{BATCH, COMPLETIONS};
use crate::output::{Exit, Failure, Output};
use crate::request::{request, show};
use crate::values::Values;
use crate::{batch, App, Command, Reply};
use contractfit_runtime::Given;
use contractfit_runtime::{Client, ClientBuilder};

/// Runs the command `matches` names and reports a failure on stderr.
pub async fn run(app: &'static App, matches: ArgMatches) -> Exit {
    match dispatch(app, &matches).await {
        Ok(exit) => exit,
        Err(failure) => {
            failure.report();
            failure.exit
        }
    }
}

async fn dispatch(app: &'static App, matches: &ArgMatches) -> Result<Exit, Failure> {
    let Some((name, sub)) = matches.subcommand() else {
        return Err(Failure::usage("a command is required (see --help)"));
    };
    if name == COMPLETIONS {
        if let Some(shell) = sub.get_one::<clap_complete::Shell>("shell") {
            let mut command = crate::command::build(app);
            clap_complete::generate(*shell, &mut command, app.name, &mut std::io::stdout());
        }
        return Ok(Exit::Success);
    }
    // Journals are local files: reading one needs no client, nor credentials.
    let batch_group = app.upload.is_some() && !app.groups.iter().any(|g| g.name == BATCH);
    if name == BATCH && batch_group {
        return match sub.subcommand() {
            Some(("status", status)) => batch::status(status),
            _ => Err(Failure::usage("batch takes a command: status")),
        };
    }
    let client = client(app, matches)?;
    route(app, &client, name, sub)
        .await
        .map_err(|failure| failure.redacted(&client))
}

/// Runs the command `name` with its arguments `sub`.
async fn route(
    app: &'static App,
    client: &Client,
    name: &str,
    sub: &ArgMatches,
) -> Result<Exit, Failure> {
    if let Some(upload) = app.upload.filter(|_| name == "upload") {
        return batch::upload(client, upload, sub).await;
    }
    if let Some(wait) = app.waits.iter().find(|w| w.name == name) {
        return batch::wait(client, wait, sub).await;
    }
    let group = app
        .groups
        .iter()
        .find(|g| g.name == name)
        .ok_or_else(|| Failure::usage(format!("unknown command {name}")))?;
    let Some((name, matches)) = sub.subcommand() else {
        return Err(Failure::usage(format!("{} needs a command", group.name)));
    };
    let output = Output::from_matches(matches);
    let dry_run = matches.get_flag("dry-run");
    let values = Values::from_matches(matches);
    if let Some(command) = group.commands.iter().find(|c| c.name == name) {
        return single(client, command, &values, &output, dry_run).await;
    }
    let listing = group
        .commands
        .iter()
        .find(|c| c.pages.is_some_and(|p| p.command == name));
    match listing {
        Some(command) => batch::list(client, command, values, &output, dry_run).await,
        None => Err(Failure::usage(format!("unknown command {name}"))),
    }
}

/// The client for the base URL and credentials given by flags or the environment (clap reads
/// the same variables as `Client::from_env`).
fn client(app: &'static App, matches: &ArgMatches) -> Result<Client, Failure> {
    let text = |name: &str| {
        matches
            .try_get_one::<String>(name)
            .ok()
            .flatten()
            .filter(|v| !v.is_empty())
            .cloned()
    };
    let given = Given::from_settings(text("base-url"), |setting| text(setting.flag));
    ClientBuilder::<Client>::new(app.default_base_url, app.schemes)
        .given(given)
        .build()
        .map_err(|e| Failure::usage(format!("cannot make a client: {e}")))
}

/// One operation, one answer.
async fn single(
    client: &Client,
    command: &'static Command,
    values: &Values,
    output: &Output,
    dry_run: bool,
) -> Result<Exit, Failure> {
    if dry_run {
        return show(client, command, values).await;
    }
    let request = request(command, values)?;
    if let Reply::Binary { accept } = command.reply {
        if output.is_terminal() {
            return Err(Failure::usage(format!(
                "the answer is a file ({accept}); not writing it to a terminal: use -o FILE, or \
                 redirect stdout"
            )));
        }
        let stream = client.execute(command.operation, request).await?.stream();
        return write_stream(stream.body, output)
            .await
            .map(|()| Exit::Success);
    }
    let answer = client
        .execute(command.operation, request)
        .await?
        .raw()
        .await?;
    let bytes = answer.body.bytes;
    if bytes.is_empty() {
        return Ok(Exit::Success);
    }
    // An answer that should be JSON and is not is a failure: its body goes to stderr with
    // the message (credentials redacted, as for every failure), and nothing to the output.
    let is_json =
        serde_json::from_slice::<contractfit_runtime::serde::de::IgnoredAny>(&bytes).is_ok();
    if command.reply == Reply::Json && !is_json {
        return Err(Failure {
            status: Some(answer.status.as_u16()),
            body: Some(bytes),
            ..Failure::new(
                Exit::BadAnswer,
                format!(
                    "{} answered {} with a body that is not JSON",
                    command.operation.name, answer.status
                ),
            )
        });
    }
    output.json(&bytes)?;
    Ok(Exit::Success)
}

async fn write_stream(
    stream: contractfit_runtime::ByteStream,
    output: &Output,
) -> Result<(), Failure> {
    let written = match &output.file {
        Some(path) => {
            let mut file = tokio::fs::File::create(path)
                .await
                .map_err(|e| Failure::new(Exit::Local, format!("cannot create {path}: {e}")))?;
            stream.copy_to(&mut file).await
        }
        None => stream.copy_to(&mut tokio::io::stdout()).await,
    };
    written.map(|_| ()).map_err(Failure::from)
}
