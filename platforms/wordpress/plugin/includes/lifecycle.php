<?php
/**
 * Activation, migration on update, deactivation. Uninstall is uninstall.php.
 *
 * @package CloudinaryConnector
 */

defined( 'ABSPATH' ) || exit;

/** The transients the plugin writes: one-time admin notices. It schedules no cron event. */
const CLDC_TRANSIENTS = array( 'cldc_notice_updated', 'cldc_notice_downgrade' );

/**
 * Why this WordPress or PHP cannot run the plugin, or '' when it can.
 *
 * @param string $wp  WordPress version.
 * @param string $php PHP version.
 */
function cldc_unsupported_reason( $wp, $php, $multisite = false ) {
	if ( $multisite ) {
		// One signing key for the network, but settings every site admin could change: not safe yet.
		return __( 'Cloudinary Connector does not support multisite networks yet: its signing key is shared by the network while each site\'s administrators could change its accounts. The plugin was not activated.', 'cloudinary-connector' );
	}
	if ( version_compare( $php, CLDC_MIN_PHP, '<' ) ) {
		/* translators: 1: PHP version, 2: minimum */
		return sprintf( __( 'Cloudinary Connector needs PHP %2$s or later; this site runs PHP %1$s. The plugin was not activated.', 'cloudinary-connector' ), $php, CLDC_MIN_PHP );
	}
	$base = preg_replace( '/-.*$/', '', $wp );
	if ( version_compare( $base, CLDC_MIN_WP, '<' ) ) {
		/* translators: 1: WordPress version, 2: minimum */
		return sprintf( __( 'Cloudinary Connector needs WordPress %2$s or later; this site runs WordPress %1$s. The plugin was not activated.', 'cloudinary-connector' ), $wp, CLDC_MIN_WP );
	}
	if ( ! function_exists( 'sodium_crypto_sign_detached' ) && ! function_exists( 'hash_hmac' ) ) {
		return __( 'Cloudinary Connector needs the sodium functions (bundled with WordPress) or hash_hmac to sign user tokens. The plugin was not activated.', 'cloudinary-connector' );
	}
	return '';
}

/** Activation: refuse unsupported versions; write default settings with the version that wrote them. */
function cldc_activate() {
	$why = cldc_unsupported_reason( get_bloginfo( 'version' ), PHP_VERSION, is_multisite() );
	if ( '' !== $why ) {
		deactivate_plugins( plugin_basename( CLDC_FILE ) );
		wp_die( esc_html( $why ), esc_html__( 'Plugin activation failed', 'cloudinary-connector' ), array( 'back_link' => true ) );
	}
	$stored = get_option( CLDC_OPTION, null );
	if ( null === $stored ) {
		add_option( CLDC_OPTION, cldc_default_settings() );
	} else {
		// Kept from an earlier install ("keep data"): adopt and migrate it.
		cldc_maybe_migrate();
	}
}

/**
 * Deactivation: nothing of the plugin runs any more (no UI, script, cron event or REST route:
 * WordPress no longer loads the plugin's code). Settings stay for a later activation; whether
 * delete keeps them is the administrator's choice (Settings > Cloudinary, or the deactivation prompt).
 */
function cldc_deactivate() {
	foreach ( CLDC_TRANSIENTS as $t ) {
		delete_transient( $t );
	}
}

/**
 * Update ("Replace current with uploaded", or any other way the files changed): migrates the stored
 * settings once when their writer is older than this code. A record written by a newer version is
 * left untouched and reported (downgrades are not supported).
 */
function cldc_maybe_migrate() {
	$raw = get_option( CLDC_OPTION, null );
	if ( ! is_array( $raw ) ) {
		return;
	}
	if ( ! isset( $raw['writtenBy'] ) || ! is_string( $raw['writtenBy'] ) || ! preg_match( '/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/', $raw['writtenBy'] ) ) {
		// Every release writes its version: a record without one is damaged, not old. It is left
		// as it is (the admin notice says why the defaults are in use) for the administrator.
		return;
	}
	$from = $raw['writtenBy'];
	$cmp  = version_compare( $from, CLDC_VERSION );
	if ( $cmp <= 0 && false !== get_transient( 'cldc_notice_downgrade' ) ) {
		delete_transient( 'cldc_notice_downgrade' ); // This code is as new as the settings again.
	}
	if ( 0 === $cmp ) {
		return;
	}
	if ( $cmp > 0 ) {
		if ( false === get_transient( 'cldc_notice_downgrade' ) ) {
			set_transient( 'cldc_notice_downgrade', $from, DAY_IN_SECONDS );
		}
		return;
	}
	list( $migrated, $steps ) = cldc_migrate_settings( $raw, $from );
	update_option( CLDC_OPTION, $migrated );
	set_transient(
		'cldc_notice_updated',
		array(
			'from'  => $from,
			'to'    => CLDC_VERSION,
			'steps' => $steps,
		),
		DAY_IN_SECONDS
	);
}

/**
 * Settings migrations, oldest first: each step names the version that introduced its schema.
 *
 * @param array  $s    Stored settings.
 * @param string $from The version that wrote them.
 * @return array{0: array, 1: string[]} The migrated settings and what each step did.
 */
function cldc_migrate_settings( array $s, $from ) {
	$steps = array();
	// 0.1.0: the first schema. Keys an older or partial record lacks get their defaults; unknown
	// keys are dropped (every known value is kept as it was).
	$defaults = cldc_default_settings();
	$out      = array();
	foreach ( $defaults as $k => $v ) {
		$out[ $k ] = array_key_exists( $k, $s ) ? $s[ $k ] : $v;
		if ( ! array_key_exists( $k, $s ) ) {
			$steps[] = sprintf( 'added %s', $k );
		}
	}
	if ( is_array( $out['scripts'] ) ) {
		$out['scripts'] = array_merge( $defaults['scripts'], array_intersect_key( $out['scripts'], $defaults['scripts'] ) );
	}
	$out['writtenBy'] = CLDC_VERSION;
	$steps[]          = sprintf( 'written by %s (was %s)', CLDC_VERSION, $from );
	return array( $out, $steps );
}
