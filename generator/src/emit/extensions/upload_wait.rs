//! `x-contractfit-upload-wait`: `send_and_wait` on an upload's builder, which uploads, reads
//! the new resource's id from the answer and waits for it with the polled operation's waiter.

use proc_macro2::TokenStream;
use quote::quote;

use super::waiters::{waited_type, Waited};
use crate::emit::types::ident;
use crate::model::{Api, UploadWait};

pub(super) fn send_and_wait(api: &Api, upload: &UploadWait) -> TokenStream {
    let polled = api.operations.iter().find(|o| o.name == upload.operation);
    let waiter = polled.and_then(|o| o.waiters.iter().find(|w| w.name == upload.waiter));
    let (Some(polled), Some(waiter)) = (polled, waiter) else {
        return TokenStream::new();
    };
    let wait_builder = ident(&waiter.builder);
    let Waited {
        response, error, ..
    } = waited_type(polled);
    let sets = upload.set.iter().map(|(field, value)| {
        let field = ident(field);
        quote!(self.form.#field = Some(#value);)
    });
    let pointer = &upload.id_pointer;
    let forced: Vec<String> = upload
        .set
        .iter()
        .map(|(field, value)| format!("`{field}` = `{value}`"))
        .collect();
    let doc = format!(
        "Uploads without waiting for processing ({}, whatever was set on this builder: \
         this call does the waiting), then waits (up to `max_wait`) with \
         [`{wait_builder}`], its polls made with this builder's call options. Once the \
         upload is accepted, every error carries the new id: wait for it again rather \
         than upload again.",
        forced.join(", ")
    );
    quote! {
        #[doc = #doc]
        pub async fn send_and_wait(mut self, max_wait: ::std::time::Duration) -> ::std::result::Result<#response, #error> {
            #(#sets)*
            let client = self.client.clone();
            let options = self.options.clone();
            let waiter = #wait_builder::WAITER.name;
            let operation = Self::OPERATION.name;
            let reply = self
                .send_raw()
                .await
                .map_err(|error| <#error>::call_failed(waiter, operation, error))?;
            let id = reply
                .body
                .json_value()
                .ok()
                .and_then(|body| body.pointer(#pointer).and_then(|id| id.as_str()).map(str::to_owned))
                .ok_or_else(|| <#error>::no_id(waiter, operation, #pointer, reply.body.bytes.clone()))?;
            #wait_builder::new(client, id, max_wait)
                .options(options)
                .send()
                .await
                .map_err(|error| error.after_call(operation))
        }
    }
}
