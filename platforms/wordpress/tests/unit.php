<?php
/**
 * Unit tests of the WordPress adapter's pure PHP (version checks, settings validation, URL rules,
 * the Ed25519 key reader and token minting), run with Debian's php-cli by run.sh: the parts the
 * real WordPress cannot reach in a test (an unsupported PHP or WordPress version).
 * WordPress functions the code calls are stood in for by the few stubs below (test-only).
 */

define( 'ABSPATH', '/srv/wordpress/' );
define( 'DAY_IN_SECONDS', 86400 );
function __( $s ) { return $s; }
function esc_html__( $s ) { return $s; }
function untrailingslashit( $s ) { return rtrim( $s, '/\\' ); }
function trailingslashit( $s ) { return untrailingslashit( $s ) . '/'; }
function wp_parse_url( $u ) { return parse_url( $u ); }
function wp_json_encode( $v ) { return json_encode( $v ); }
function home_url() { return 'https://blog.example/'; }
function get_bloginfo() { return '6.5.5'; }
class WP_Error {
	private $code; private $message;
	public function __construct( $code, $message ) { $this->code = $code; $this->message = $message; }
	public function get_error_message() { return $this->message; }
	public function get_error_code() { return $this->code; }
}
function is_wp_error( $v ) { return $v instanceof WP_Error; }
$GLOBALS['cldc_test_option'] = null;
function get_option( $name, $default = false ) { return null === $GLOBALS['cldc_test_option'] ? $default : $GLOBALS['cldc_test_option']; }
$GLOBALS['cldc_test_caps'] = array();
$GLOBALS['cldc_test_meta'] = array();
function get_user_meta( $id, $key ) { return isset( $GLOBALS['cldc_test_meta'][ $key ] ) ? $GLOBALS['cldc_test_meta'][ $key ] : ''; }
function current_user_can( $cap ) { return in_array( $cap, $GLOBALS['cldc_test_caps'], true ); }
function user_can( $user, $cap ) { return in_array( $cap, $GLOBALS['cldc_test_caps'], true ); }

const CLDC_VERSION = '0.1.0';
const CLDC_MIN_WP  = '6.3';
const CLDC_MIN_PHP = '7.4';
const CLDC_FILE    = __FILE__;
$plugin = __DIR__ . '/../plugin';
require $plugin . '/includes/settings.php';
require $plugin . '/includes/lifecycle.php';
require $plugin . '/includes/token.php';

$failures = 0;
$count    = 0;
function check( $name, $got, $want ) {
	global $failures, $count;
	++$count;
	if ( $got !== $want ) {
		++$failures;
		fwrite( STDERR, "FAIL $name\n  got:  " . var_export( $got, true ) . "\n  want: " . var_export( $want, true ) . "\n" );
	}
}

// Activation refuses unsupported versions, naming both.
check( 'multisite', cldc_unsupported_reason( '6.5.5', '8.3.0', true ), 'Cloudinary Connector does not support multisite networks yet: its signing key is shared by the network while each site\'s administrators could change its accounts. The plugin was not activated.' );
check( 'old PHP', cldc_unsupported_reason( '6.5.5', '7.3.33' ), 'Cloudinary Connector needs PHP 7.4 or later; this site runs PHP 7.3.33. The plugin was not activated.' );
check( 'old WordPress', cldc_unsupported_reason( '6.2.6', '8.3.0' ), 'Cloudinary Connector needs WordPress 6.3 or later; this site runs WordPress 6.2.6. The plugin was not activated.' );
check( 'release candidate of the minimum', cldc_unsupported_reason( '6.3-RC1', '8.3.0' ), '' );
check( 'supported', cldc_unsupported_reason( '6.5.5', '8.3.0' ), '' );

// Settings validation: one sentence per bad field, good fields cleaned.
$e = array();
$s = cldc_validate_settings( array( 'signer_url' => 'http://signer.example', 'environment' => 'production', 'cloud_name' => 'my cloud', 'default_transformation' => 'c_fill/w_100', 'accounts' => 'main, Bad!', 'scripts' => array( 'media_library' => 'javascript:alert(1)' ) ), $e );
check( 'errors', $e, array(
	'Signer URL: "http://signer.example" must be an https:// URL (http:// only for 127.0.0.1 or localhost)',
	'Environment: "production" must be prod, stag or dev',
	'Cloud name: "my cloud" may contain only letters, digits, "-" and "_"',
	'Default transformation: "c_fill/w_100" is one step of qualifiers such as f_auto,q_auto (no "/", "?", "#" or spaces)',
	'Accounts: "Bad!" is not a signer account id (a-z, 0-9, "-", "_")',
	'Media Library widget script: "javascript:alert(1)" must be an https:// URL (http:// only for 127.0.0.1 or localhost)',
) );
check( 'valid accounts kept', $s['accounts'], array( 'main' ) );
$e = array();
$s = cldc_validate_settings( array( 'signer_url' => 'https://signer.example/', 'environment' => 'stag', 'cloud_name' => 'shop', 'default_transformation' => 'f_auto,q_auto', 'accounts' => array( 'main', 'main', 'eu' ), 'shortcut' => '1' ), $e );
check( 'no errors', $e, array() );
check( 'trailing slash dropped', $s['signer_url'], 'https://signer.example' );
check( 'accounts deduplicated', $s['accounts'], array( 'main', 'eu' ) );
check( 'loopback http allowed', cldc_is_allowed_url( 'http://127.0.0.1:8787' ), true );
check( 'credentials in URL refused', cldc_is_allowed_url( 'https://u:p@signer.example' ), false );

// Stored settings: unreadable records fall back to the defaults and say why.
$GLOBALS['cldc_test_option'] = 'garbage';
check( 'not an array', cldc_settings_checked()[1], 'the stored value is not a settings record' );
$GLOBALS['cldc_test_option'] = array( 'environment' => 'moon' );
check( 'bad field', cldc_settings_checked()[1], 'Environment: "moon" must be prod, stag or dev' );
$GLOBALS['cldc_test_option'] = null;
check( 'absent: defaults', cldc_settings_checked(), array( cldc_default_settings(), '' ) );

// Migration keeps every known value, adds missing keys, drops unknown ones, stamps the version.
list( $m, $steps ) = cldc_migrate_settings( array( 'writtenBy' => '0.0.9', 'signer_url' => 'https://s.example', 'legacy' => 1 ), '0.0.9' );
check( 'kept', $m['signer_url'], 'https://s.example' );
check( 'unknown dropped', isset( $m['legacy'] ), false );
check( 'stamped', $m['writtenBy'], '0.1.0' );
check( 'steps', end( $steps ), 'written by 0.1.0 (was 0.0.9)' );

// Roles from capabilities.
$GLOBALS['cldc_test_caps'] = array( 'manage_options', 'upload_files', 'edit_posts' );
check( 'admin', cldc_role_for( null ), 'admin' );
$GLOBALS['cldc_test_caps'] = array( 'upload_files', 'edit_posts' );
check( 'author', cldc_role_for( null ), 'uploader' );
$GLOBALS['cldc_test_caps'] = array( 'edit_posts' );
check( 'contributor', cldc_role_for( null ), 'viewer' );
$GLOBALS['cldc_test_caps'] = array( 'read' );
check( 'subscriber', cldc_role_for( null ), null );

// The Ed25519 key: PKCS#8 PEM only, and an RSA key is refused by name.
$seed = random_bytes( 32 );
$pem  = "-----BEGIN PRIVATE KEY-----\n" . chunk_split( base64_encode( hex2bin( CLDC_ED25519_PKCS8_PREFIX ) . $seed ), 64, "\n" ) . "-----END PRIVATE KEY-----\n";
$key  = cldc_parse_ed25519_pem( $pem, 'k1', 'TEST' );
check( 'EdDSA', $key['alg'], 'EdDSA' );
check( 'not PEM', cldc_parse_ed25519_pem( 'abc', null, 'TEST' )->get_error_message(), 'TEST is not a PEM private key (expected "-----BEGIN PRIVATE KEY-----", e.g. from `openssl genpkey -algorithm ed25519`)' );
$rsa = "-----BEGIN PRIVATE KEY-----\n" . base64_encode( str_repeat( "\x30", 120 ) ) . "\n-----END PRIVATE KEY-----\n";
check( 'not Ed25519', cldc_parse_ed25519_pem( $rsa, null, 'TEST' )->get_error_message(), 'TEST is not an Ed25519 private key (RSA and EC keys are not supported here; use EdDSA)' );
$GLOBALS['cldc_test_caps'] = array( 'edit_posts' );
$GLOBALS['cldc_test_option'] = array_merge( cldc_default_settings(), array( 'accounts' => array( 'main' ) ) );
check( 'no key: users are not told where the key lives', cldc_mint_token( (object) array( 'ID' => 1 ), 0 )->get_error_message(), 'the site cannot issue Cloudinary tokens: ask an administrator to check Settings > Cloudinary' );
$GLOBALS['cldc_test_option'] = null;
check( 'no key configured', cldc_signing_key()->get_error_message(), 'no token signing key: define CLOUDINARY_CONNECTOR_SIGNING_KEY_FILE (an Ed25519 private key outside the web root) or CLOUDINARY_CONNECTOR_TOKEN_SECRET in wp-config.php' );

// A minted token verifies with the public key, carries the mapped role and lives 300 s.
define( 'CLOUDINARY_CONNECTOR_SIGNING_KEY', $pem );
$GLOBALS['cldc_test_option'] = array_merge( cldc_default_settings(), array( 'accounts' => array( 'main', 'eu' ) ) );
$GLOBALS['cldc_test_caps']   = array( 'upload_files', 'edit_posts' );
$user                        = (object) array( 'ID' => 7, 'user_email' => 'ada@example.com' );
$t                           = cldc_mint_token( $user, 1767225600 );
list( $h, $c, $sig )         = explode( '.', $t['token'] );
$dec                         = function ( $s ) { return base64_decode( strtr( $s, '-_', '+/' ) ); };
$pub                         = sodium_crypto_sign_publickey( sodium_crypto_sign_seed_keypair( $seed ) );
check( 'signature verifies', sodium_crypto_sign_verify_detached( $dec( $sig ), "$h.$c", $pub ), true );
check( 'header', json_decode( $dec( $h ), true ), array( 'alg' => 'EdDSA', 'typ' => 'JWT' ) );
check( 'claims: no Media Library user unless an administrator set one', json_decode( $dec( $c ), true ), array( 'sub' => 'wp-7', 'iat' => 1767225600, 'exp' => 1767225900, 'aud' => 'cld-signer', 'iss' => 'https://blog.example', 'roles' => array( 'main' => 'uploader', 'eu' => 'uploader' ) ) );
$GLOBALS['cldc_test_meta']['cldc_ml_username'] = 'ada@cloudinary.example';
list( , $c2 ) = explode( '.', cldc_mint_token( $user, 1767225600 )['token'] );
check( 'claims: the administrator-set Media Library user', json_decode( $dec( $c2 ), true )['ml_username'], 'ada@cloudinary.example' );
$GLOBALS['cldc_test_option'] = array_merge( cldc_default_settings(), array( 'accounts' => array( '0', '1' ) ) );
list( , $c3 ) = explode( '.', cldc_mint_token( $user, 1767225600 )['token'] );
check( 'roles stay an object for numeric-looking ids', json_decode( $dec( $c3 ) )->roles instanceof stdClass, true );
$GLOBALS['cldc_test_option'] = array_merge( cldc_default_settings(), array( 'accounts' => array( 'main', 'eu' ) ) );
$GLOBALS['cldc_test_caps'] = array( 'read' );
check( 'no role, no token', cldc_mint_token( $user, 1767225600 )->get_error_code(), 'cldc_no_role' );
$GLOBALS['cldc_test_caps']   = array( 'edit_posts' );
$GLOBALS['cldc_test_option'] = cldc_default_settings();
check( 'no accounts, no token', cldc_mint_token( $user, 1767225600 )->get_error_message(), 'no Cloudinary account is configured for WordPress users: an administrator adds the signer account ids in Settings > Cloudinary' );

echo "php unit: $count checks, $failures failed\n";
exit( $failures ? 1 : 0 );
