//! Model to files (placeholder while the builder is tested).
use crate::model::Api;
use crate::Error;

#[derive(Debug, Clone, Default)]
pub struct CrateInfo;
#[derive(Debug, Clone)]
pub struct File {
    pub path: String,
    pub contents: String,
}
pub fn crate_files(_api: &Api, _info: &CrateInfo) -> Result<Vec<File>, Error> {
    Ok(vec![])
}
