//! Starts a server, prints its URL, and stops it after Enter.
fn main() -> Result<(), String> {
    let pg = aiootp_testserver::PgServer::start()?;
    println!("{}", pg.url());
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    Ok(())
}
