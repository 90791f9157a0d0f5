<?php
/**
 * The signer token: a short-lived JWT that vouches for the logged-in WordPress user, with a
 * role per signer account mapped from the user's WordPress capabilities. The Cloudinary API
 * secret never enters WordPress; the key that signs these tokens comes from wp-config.php or a
 * file outside the web root, never from the database or the page:
 *
 *   define( 'CLOUDINARY_CONNECTOR_SIGNING_KEY_FILE', '/etc/cld/wordpress-ed25519.pem' ); // EdDSA (default)
 *   define( 'CLOUDINARY_CONNECTOR_SIGNING_KEY_ID', 'wp-2026' );                         // optional `kid`
 *   define( 'CLOUDINARY_CONNECTOR_TOKEN_SECRET', '<32+ random bytes>' );                 // or HS256
 *
 * EdDSA is the better default: the signer holds only the public key, so a leaked signer
 * configuration cannot mint tokens. Signing uses sodium_crypto_sign_detached(), which WordPress
 * ships (sodium_compat) where PHP's sodium extension is missing.
 *
 * @package CloudinaryConnector
 */

defined( 'ABSPATH' ) || exit;

/** Token lifetime in seconds (the editor asks again a minute before it ends). */
const CLDC_TOKEN_TTL = 300;
/** DER prefix of a PKCS#8 Ed25519 private key (RFC 8410): the 32-byte seed follows. */
const CLDC_ED25519_PKCS8_PREFIX = '302e020100300506032b657004220420';

/**
 * The role a WordPress user gets on the configured signer accounts, or null for none.
 *
 * @param WP_User $user User.
 */
function cldc_role_for( $user ) {
	if ( user_can( $user, 'manage_options' ) ) {
		return 'admin';
	}
	if ( user_can( $user, 'upload_files' ) ) {
		return 'uploader';
	}
	if ( user_can( $user, 'edit_posts' ) ) {
		return 'viewer';
	}
	return null;
}

/**
 * The signing key from wp-config.php: ['alg' => 'EdDSA'|'HS256', 'key' => bytes, 'kid' => ?string]
 * or a WP_Error whose message says what to fix (never the key).
 */
function cldc_signing_key() {
	$kid = defined( 'CLOUDINARY_CONNECTOR_SIGNING_KEY_ID' ) ? (string) CLOUDINARY_CONNECTOR_SIGNING_KEY_ID : null;
	if ( defined( 'CLOUDINARY_CONNECTOR_SIGNING_KEY_FILE' ) ) {
		$path = (string) CLOUDINARY_CONNECTOR_SIGNING_KEY_FILE;
		$real = realpath( $path );
		if ( false === $real || ! is_readable( $real ) ) {
			return new WP_Error( 'cldc_key_unreadable', sprintf( 'the signing key file %s (CLOUDINARY_CONNECTOR_SIGNING_KEY_FILE) cannot be read', $path ) );
		}
		$root = realpath( ABSPATH );
		if ( $root && 0 === strpos( $real, trailingslashit( $root ) ) ) {
			return new WP_Error( 'cldc_key_in_webroot', sprintf( 'the signing key file %s is inside the web root, where the web server could serve it: move it outside %s', $path, $root ) );
		}
		return cldc_parse_ed25519_pem( (string) file_get_contents( $real ), $kid, 'CLOUDINARY_CONNECTOR_SIGNING_KEY_FILE' );
	}
	if ( defined( 'CLOUDINARY_CONNECTOR_SIGNING_KEY' ) ) {
		return cldc_parse_ed25519_pem( (string) CLOUDINARY_CONNECTOR_SIGNING_KEY, $kid, 'CLOUDINARY_CONNECTOR_SIGNING_KEY' );
	}
	if ( defined( 'CLOUDINARY_CONNECTOR_TOKEN_SECRET' ) ) {
		$secret = (string) CLOUDINARY_CONNECTOR_TOKEN_SECRET;
		if ( strlen( $secret ) < 32 ) {
			return new WP_Error( 'cldc_key_short', 'CLOUDINARY_CONNECTOR_TOKEN_SECRET is shorter than 32 bytes: the signer refuses such HS256 keys' );
		}
		return array(
			'alg' => 'HS256',
			'key' => $secret,
			'kid' => $kid,
		);
	}
	return new WP_Error( 'cldc_no_key', 'no token signing key: define CLOUDINARY_CONNECTOR_SIGNING_KEY_FILE (an Ed25519 private key outside the web root) or CLOUDINARY_CONNECTOR_TOKEN_SECRET in wp-config.php' );
}

/**
 * An Ed25519 private key from PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----", as `openssl genpkey
 * -algorithm ed25519` writes it).
 *
 * @param string      $pem   PEM text.
 * @param string|null $kid   Key id.
 * @param string      $where Constant name, for messages.
 */
function cldc_parse_ed25519_pem( $pem, $kid, $where ) {
	if ( ! preg_match( '/-----BEGIN PRIVATE KEY-----([A-Za-z0-9+\/=\s]+)-----END PRIVATE KEY-----/', $pem, $m ) ) {
		return new WP_Error( 'cldc_key_format', sprintf( '%s is not a PEM private key (expected "-----BEGIN PRIVATE KEY-----", e.g. from `openssl genpkey -algorithm ed25519`)', $where ) );
	}
	$der = base64_decode( preg_replace( '/\s+/', '', $m[1] ), true );
	if ( false === $der || 48 !== strlen( $der ) || bin2hex( substr( $der, 0, 16 ) ) !== CLDC_ED25519_PKCS8_PREFIX ) {
		return new WP_Error( 'cldc_key_type', sprintf( '%s is not an Ed25519 private key (RSA and EC keys are not supported here; use EdDSA)', $where ) );
	}
	$pair = sodium_crypto_sign_seed_keypair( substr( $der, 16, 32 ) );
	return array(
		'alg' => 'EdDSA',
		'key' => sodium_crypto_sign_secretkey( $pair ),
		'kid' => $kid,
	);
}

/** What the settings page says about the signing key. */
function cldc_signing_key_status() {
	$k = cldc_signing_key();
	if ( is_wp_error( $k ) ) {
		return array(
			'ok'      => false,
			'message' => ucfirst( $k->get_error_message() ) . '.',
		);
	}
	return array(
		'ok'      => true,
		'message' => sprintf( '%s key from wp-config.php%s.', 'EdDSA' === $k['alg'] ? 'Ed25519 (EdDSA)' : 'HS256', $k['kid'] ? sprintf( ', kid "%s"', $k['kid'] ) : '' ),
	);
}

/**
 * Base64url without padding.
 *
 * @param string $bytes Bytes.
 */
function cldc_b64url( $bytes ) {
	return rtrim( strtr( base64_encode( $bytes ), '+/', '-_' ), '=' );
}

/**
 * Mints the signer token for $user: ['token', 'expires_at', 'role'] or a WP_Error.
 *
 * @param WP_User $user User.
 * @param int     $now  Unix time.
 */
function cldc_mint_token( $user, $now ) {
	$role = cldc_role_for( $user );
	if ( null === $role ) {
		return new WP_Error( 'cldc_no_role', 'your WordPress role has no Cloudinary access (it needs at least the Edit posts capability)', array( 'status' => 403 ) );
	}
	$s = cldc_settings();
	if ( ! $s['accounts'] ) {
		return new WP_Error( 'cldc_no_accounts', 'no Cloudinary account is configured for WordPress users: an administrator adds the signer account ids in Settings > Cloudinary', array( 'status' => 503 ) );
	}
	$key = cldc_signing_key();
	if ( is_wp_error( $key ) ) {
		// Administrators are told what to fix; other users are not told where the key lives.
		$why = current_user_can( 'manage_options' ) ? $key->get_error_message() : 'ask an administrator to check Settings > Cloudinary';
		return new WP_Error( 'cldc_no_key', 'the site cannot issue Cloudinary tokens: ' . $why, array( 'status' => 503 ) );
	}
	$header = array(
		'alg' => $key['alg'],
		'typ' => 'JWT',
	);
	if ( $key['kid'] ) {
		$header['kid'] = $key['kid'];
	}
	$exp    = $now + CLDC_TOKEN_TTL;
	$claims = array(
		'sub'   => 'wp-' . $user->ID,
		'iat'   => $now,
		'exp'   => $exp,
		'aud'   => defined( 'CLOUDINARY_CONNECTOR_TOKEN_AUDIENCE' ) ? (string) CLOUDINARY_CONNECTOR_TOKEN_AUDIENCE : 'cld-signer',
		'iss'   => defined( 'CLOUDINARY_CONNECTOR_TOKEN_ISSUER' ) ? (string) CLOUDINARY_CONNECTOR_TOKEN_ISSUER : untrailingslashit( home_url() ),
		// An object even when every account id looks like a number.
		'roles' => (object) array_fill_keys( $s['accounts'], $role ),
	);
	// The Cloudinary user the Media Library logs in as: only what an administrator set for this
	// user (never the user's own e-mail, which they can change themselves). Without it the signer
	// uses `sub`, which is no Cloudinary user: the login fails safe.
	$ml = cldc_ml_username( $user->ID );
	if ( '' !== $ml ) {
		$claims['ml_username'] = $ml;
	}
	$input  = cldc_b64url( wp_json_encode( $header ) ) . '.' . cldc_b64url( wp_json_encode( $claims ) );
	$sig    = 'EdDSA' === $key['alg']
		? sodium_crypto_sign_detached( $input, $key['key'] )
		: hash_hmac( 'sha256', $input, $key['key'], true );
	return array(
		'token'      => $input . '.' . cldc_b64url( $sig ),
		'expires_at' => $exp,
		'role'       => $role,
	);
}

/** User meta: the Cloudinary user a WordPress user logs in to the Media Library as (set by administrators). */
const CLDC_ML_USERNAME_META = 'cldc_ml_username';

/**
 * The Media Library user name an administrator set for a user, or ''.
 *
 * @param int $user_id User.
 */
function cldc_ml_username( $user_id ) {
	$v = get_user_meta( $user_id, CLDC_ML_USERNAME_META, true );
	return is_string( $v ) ? $v : '';
}

/**
 * The field on a user's profile screen, shown only to users who may edit users.
 *
 * @param WP_User $user The user being edited.
 */
function cldc_ml_username_field( $user ) {
	if ( ! current_user_can( 'edit_users' ) ) {
		return;
	}
	?>
	<h2><?php esc_html_e( 'Cloudinary', 'cloudinary-connector' ); ?></h2>
	<table class="form-table" role="presentation"><tr>
		<th><label for="cldc-ml-username"><?php esc_html_e( 'Media Library user', 'cloudinary-connector' ); ?></label></th>
		<td><input type="email" class="regular-text" id="cldc-ml-username" name="cldc_ml_username" value="<?php echo esc_attr( cldc_ml_username( $user->ID ) ); ?>">
		<p class="description"><?php esc_html_e( 'The Cloudinary user (e-mail) this WordPress user opens the Media Library as. Only administrators set it; empty: no Media Library login.', 'cloudinary-connector' ); ?></p></td>
	</tr></table>
	<?php
}

/**
 * Saves the field (WordPress's profile form has checked its nonce and edit_user already).
 *
 * @param int $user_id The user being edited.
 */
function cldc_ml_username_save( $user_id ) {
	if ( ! current_user_can( 'edit_users' ) || ! isset( $_POST['cldc_ml_username'] ) ) { // phpcs:ignore WordPress.Security.NonceVerification
		return;
	}
	$v = sanitize_email( wp_unslash( $_POST['cldc_ml_username'] ) ); // phpcs:ignore WordPress.Security.NonceVerification
	if ( '' === $v ) {
		delete_user_meta( $user_id, CLDC_ML_USERNAME_META );
	} elseif ( strpbrk( $v, '&=' ) === false ) {
		update_user_meta( $user_id, CLDC_ML_USERNAME_META, $v );
	}
}
