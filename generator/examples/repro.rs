fn main() {
    let path = std::env::args().nth(1).unwrap();
    let r = contractfit_codegen::generate(&contractfit_codegen::Config::new(&path));
    println!("{:?}", r.map(|g| g.api.operations.len()));
}
