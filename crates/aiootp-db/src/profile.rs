//! Passphrase profiles (spec databases §6): a database whose key is derived
//! from credentials, a username and a passphrase through Passcrypt, with a
//! per-folder device salt and a per-profile salt in `secure/`.

use crate::database::{Database, OpenMode, OpenOptions};
use crate::error::{Error, Result};
use crate::schedule::{deniable_filename, domains};
use aiootp_core::{Hasher, hash_bytes_with};
use aiootp_passcrypt::{Passcrypt, Settings};
use aiootp_storage::{FsStorage, LockMode, Storage};
use std::path::Path;
use std::sync::Arc;
use zeroize::Zeroizing;

/// Bytes of a new salt file.
pub const SALT_FILE_BYTES: usize = 32;

/// How to derive a profile's key. `Debug` shows the pepper's length only.
#[derive(Clone)]
pub struct ProfileSettings {
    /// The Passcrypt work (the reference's defaults: mb 64, cpu 2, cores 4, tag 168).
    pub passcrypt: Settings,
    /// The Passcrypt pepper (the reference's global `Passcrypt.PEPPER`).
    pub pepper: Zeroizing<Vec<u8>>,
    /// Cross-process locking of the folder.
    pub lock: LockMode,
    /// Load every tag when opening.
    pub preload: bool,
}

impl Default for ProfileSettings {
    fn default() -> Self {
        Self {
            passcrypt: Settings {
                mb: 64,
                cpu: 2,
                cores: 4,
                tag_size: 168,
            },
            pepper: Zeroizing::new(Vec::new()),
            lock: LockMode::Fail,
            preload: false,
        }
    }
}

impl core::fmt::Debug for ProfileSettings {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ProfileSettings")
            .field("passcrypt", &self.passcrypt)
            .field(
                "pepper",
                &format_args!("{} bytes, redacted", self.pepper.len()),
            )
            .field("lock", &self.lock)
            .field("preload", &self.preload)
            .finish()
    }
}

/// What a profile derived (`ProfileTokens`).
pub struct Profile {
    /// `hash_bytes(PROFILE_TOKENS, device_salt, salt, aad, username, *credentials)`.
    pub gist: [u8; 64],
    /// The device salt (one per folder).
    pub device_salt: Zeroizing<Vec<u8>>,
    /// The profile salt.
    pub profile_salt: Zeroizing<Vec<u8>>,
    /// The profile salt's file, relative to the folder.
    pub profile_salt_file: String,
    /// The database key Passcrypt derived.
    pub login_key: aiootp_core::SecretBytes,
}

impl core::fmt::Debug for Profile {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Profile")
            .field("profile_salt_file", &self.profile_salt_file)
            .finish_non_exhaustive()
    }
}

/// `tmp_key = hash_bytes(gist, key=passphrase)`: the Passcrypt input of a profile.
///
/// # Errors
/// None in practice.
pub fn tmp_key(gist: &[u8], passphrase: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    Ok(Zeroizing::new(hash_bytes_with(
        Hasher::Sha3_512,
        0,
        passphrase,
        0,
        &[gist],
    )?))
}

/// The device salt's file, relative to the folder.
#[must_use]
pub fn device_salt_file() -> String {
    format!(
        "secure/_admin/{}",
        deniable_filename(&domains().device_salt)
    )
}

/// Reads a salt file, creating it with 32 random bytes if missing.
fn salt_file(storage: &dyn Storage, name: &str) -> Result<Zeroizing<Vec<u8>>> {
    let io = Error::from;
    if let Some(salt) = storage.read(name).map_err(io)? {
        return checked_salt(salt, name);
    }
    let fresh = Zeroizing::new(aiootp_core::token_bytes(SALT_FILE_BYTES)?);
    if storage.create_new(name, &fresh).map_err(io)? {
        return Ok(fresh);
    }
    // Another process created it first: use theirs.
    checked_salt(storage.read(name).map_err(io)?.unwrap_or_default(), name)
}

fn checked_salt(salt: Vec<u8>, name: &str) -> Result<Zeroizing<Vec<u8>>> {
    if salt.len() < SALT_FILE_BYTES {
        return Err(Error::Corrupt {
            file: name.to_owned(),
            reason: "The salt file is empty or corrupt!".into(),
        });
    }
    Ok(Zeroizing::new(salt))
}

/// `Database.generate_profile(*credentials, username=…, passphrase=…,
/// salt=…, aad=…, mb=…, cpu=…, cores=…, tag_size=…, path=…)`.
///
/// A wrong passphrase opens a different, empty profile, as in the
/// reference (and its manifest is saved at once, as the reference does);
/// use [`generate_profile_existing`] to refuse that instead.
///
/// # Errors
/// I/O errors, a corrupt salt file, Passcrypt's checks, [`Error::Locked`].
pub fn generate_profile(
    path: impl AsRef<Path>,
    credentials: &[&[u8]],
    username: &[u8],
    passphrase: &[u8],
    salt: &[u8],
    aad: &[u8],
    settings: &ProfileSettings,
) -> Result<(Database, Profile)> {
    open_profile(
        path.as_ref(),
        credentials,
        username,
        passphrase,
        salt,
        aad,
        settings,
        OpenMode::OpenOrNew,
    )
}

/// [`generate_profile`] for a profile that must already exist: a wrong
/// passphrase, username or credential is [`Error::NotFound`] and writes no
/// new database (the salt files are still created if missing).
///
/// # Errors
/// As [`generate_profile`], and [`Error::NotFound`].
pub fn generate_profile_existing(
    path: impl AsRef<Path>,
    credentials: &[&[u8]],
    username: &[u8],
    passphrase: &[u8],
    salt: &[u8],
    aad: &[u8],
    settings: &ProfileSettings,
) -> Result<(Database, Profile)> {
    open_profile(
        path.as_ref(),
        credentials,
        username,
        passphrase,
        salt,
        aad,
        settings,
        OpenMode::Existing,
    )
}

/// [`generate_profile`] on any [`Storage`] (PostgreSQL, …): the device
/// and profile salt files are files of that storage too. `mode` is
/// [`OpenMode::OpenOrNew`] for [`generate_profile`]'s behaviour,
/// [`OpenMode::Existing`] for [`generate_profile_existing`]'s; a new
/// profile's manifest is saved at once. No lock is taken (`settings.lock`
/// is for folders).
///
/// # Errors
/// As [`generate_profile`]; [`Error::NotFound`] with `Existing`.
#[allow(clippy::too_many_arguments)]
pub fn generate_profile_on(
    storage: Arc<dyn Storage>,
    credentials: &[&[u8]],
    username: &[u8],
    passphrase: &[u8],
    salt: &[u8],
    aad: &[u8],
    settings: &ProfileSettings,
    mode: OpenMode,
) -> Result<(Database, Profile)> {
    open_profile_in(
        storage,
        credentials,
        username,
        passphrase,
        salt,
        aad,
        settings,
        mode,
    )
}

#[allow(clippy::too_many_arguments)]
fn open_profile(
    path: &Path,
    credentials: &[&[u8]],
    username: &[u8],
    passphrase: &[u8],
    salt: &[u8],
    aad: &[u8],
    settings: &ProfileSettings,
    mode: OpenMode,
) -> Result<(Database, Profile)> {
    // The folder's lock is held from before the salt files are read.
    open_profile_in(
        Arc::new(FsStorage::open(path, settings.lock)?),
        credentials,
        username,
        passphrase,
        salt,
        aad,
        settings,
        mode,
    )
}

/// A profile in `storage`.
#[allow(clippy::too_many_arguments)]
fn open_profile_in(
    storage: Arc<dyn Storage>,
    credentials: &[&[u8]],
    username: &[u8],
    passphrase: &[u8],
    salt: &[u8],
    aad: &[u8],
    settings: &ProfileSettings,
    mode: OpenMode,
) -> Result<(Database, Profile)> {
    let device_salt = salt_file(&*storage, &device_salt_file())?;
    let mut items: Vec<&[u8]> = vec![&domains().profile_tokens, &device_salt, salt, aad, username];
    items.extend_from_slice(credentials);
    let gist_vec = hash_bytes_with(Hasher::Sha3_512, 0, &device_salt, 0, &items)?;
    let mut gist = [0u8; 64];
    gist.copy_from_slice(&gist_vec);
    let tmp_key = tmp_key(&gist, passphrase)?;
    let profile_salt_file = format!("secure/{}", deniable_filename(&gist));
    let profile_salt = salt_file(&*storage, &profile_salt_file)?;
    let login_key = Passcrypt::with_pepper(&settings.pepper).derive(
        &tmp_key,
        &profile_salt,
        b"",
        settings.passcrypt,
    )?;
    let options = OpenOptions {
        mode,
        metatag: true,
        preload: settings.preload,
        lock: LockMode::None,
    };
    let mut db = Database::open_node(Arc::clone(&storage), login_key.expose(), options)?;
    let exists = storage.exists(db.root_filename()).map_err(Error::from)?;
    if !exists {
        db.save_database()?;
    }
    Ok((
        db,
        Profile {
            gist,
            device_salt,
            profile_salt,
            profile_salt_file,
            login_key,
        },
    ))
}
