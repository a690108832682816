//! `x-contractfit-then-wait`: `send_and_wait` on a call whose effect another operation's
//! waiter sees.

use proc_macro2::TokenStream;
use quote::quote;

use super::waiters::{waited_type, Waited};
use crate::emit::signature::{arguments, builder_name};
use crate::emit::types::ident;
use crate::model::{Api, ThenWait};

/// `send_and_wait` for an operation whose effect a waiter of another operation can see: the
/// polled operation's state before, the call, then a wait that believes only a newer result.
pub(super) fn send_and_wait(api: &Api, then: &ThenWait) -> TokenStream {
    let polled = api.operations.iter().find(|o| o.name == then.operation);
    let waiter = polled.and_then(|o| o.waiters.iter().find(|w| w.name == then.waiter));
    let (Some(polled), Some(waiter)) = (polled, waiter) else {
        return TokenStream::new();
    };
    let polled_builder = builder_name(polled);
    let wait_builder = ident(&waiter.builder);
    let Waited {
        response, error, ..
    } = waited_type(polled);
    let names: Vec<_> = arguments(polled).into_iter().map(|a| a.name).collect();
    let changed = &then.changed;
    let doc = format!(
        "Sends the request, then waits (up to `max_wait`) with [`{wait_builder}`] for its \
         effect. A verdict counts only once `{changed}` differs from what it was before the \
         request and in its reply, so an earlier result is never taken for this one (the API \
         does not promise to clear it meanwhile). Costs one request more than `send`: the state \
         before. The polls use this builder's call options. Once the request is accepted, \
         a failed wait is not a reason to send it again: wait again instead."
    );
    quote! {
        #[doc = #doc]
        pub async fn send_and_wait(self, max_wait: ::std::time::Duration) -> ::std::result::Result<#response, #error> {
            let client = self.client.clone();
            let options = self.options.clone();
            let waiter = #wait_builder::WAITER.name;
            let operation = Self::OPERATION.name;
            let failed = |error| <#error>::call_failed(waiter, operation, error);
            #(let #names = self.#names.clone();)*
            let mut stale = ::contractfit_runtime::Stale::at(#changed);
            // Reading the state before is a call of its own: its failure is not the request's.
            let before = #polled_builder::new(client.clone(), #(#names.clone()),*)
                .options(options.clone())
                .send_raw()
                .await
                .map_err(|error| <#error>::call_failed(waiter, #polled_builder::OPERATION.name, error))?;
            stale.remember(&before.body.bytes);
            let reply = self.send_raw().await.map_err(failed)?;
            stale.remember(&reply.body.bytes);
            #wait_builder::new(client, #(#names,)* max_wait)
                .options(options)
                .after(stale)
                .send()
                .await
                .map_err(|error| error.after_call(operation))
        }
    }
}
