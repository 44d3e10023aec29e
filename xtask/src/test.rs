pub fn main(_a: &[String]) -> Result<(), String> {
    Err("not yet".into())
}
