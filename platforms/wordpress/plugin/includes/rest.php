<?php
/**
 * REST routes under /wp-json/cloudinary-connector/v1, for logged-in users only: WordPress's
 * cookie authentication checks the `X-WP-Nonce` (wp.apiFetch sends it), and each route checks
 * the capability it needs.
 *
 *   POST token      the signer token of the current user (edit_posts)
 *   POST storage    one key of the plugin's host storage: `settings` (manage_options) maps onto
 *                   the settings option; other keys are the user's own (user meta cldc_storage)
 *   POST keep-data  whether deleting the plugin keeps its data (manage_options)
 *
 * @package CloudinaryConnector
 */

defined( 'ABSPATH' ) || exit;

const CLDC_NS         = 'cloudinary-connector/v1';
const CLDC_USER_META  = 'cldc_storage';
const CLDC_MAX_VALUE  = 65536;
/** The most one user's plugin storage takes (every key together). */
const CLDC_MAX_USER_STORAGE = 262144;

/** Registers the routes. */
function cldc_register_rest_routes() {
	register_rest_route(
		CLDC_NS,
		'/token',
		array(
			'methods'             => 'POST',
			'callback'            => 'cldc_rest_token',
			'permission_callback' => 'cldc_rest_can_edit',
		)
	);
	register_rest_route(
		CLDC_NS,
		'/storage',
		array(
			'methods'             => 'POST',
			'callback'            => 'cldc_rest_storage',
			'permission_callback' => 'cldc_rest_can_edit',
			'args'                => array(
				'key'   => array(
					'type'     => 'string',
					'required' => true,
				),
				// Not `required`: WordPress treats a JSON null as missing, and null means "remove".
				'value' => array(
					'type' => array( 'string', 'null' ),
				),
			),
		)
	);
	register_rest_route(
		CLDC_NS,
		'/keep-data',
		array(
			'methods'             => 'POST',
			'callback'            => 'cldc_rest_keep_data',
			'permission_callback' => function () {
				return current_user_can( 'manage_options' ) ? true : new WP_Error( 'cldc_forbidden', 'only administrators choose what deleting Cloudinary Connector keeps', array( 'status' => rest_authorization_required_code() ) );
			},
			'args'                => array(
				'keep' => array(
					'type'     => 'boolean',
					'required' => true,
				),
			),
		)
	);
}

/** Permission: a logged-in user who can edit posts. */
function cldc_rest_can_edit() {
	if ( ! is_user_logged_in() ) {
		return new WP_Error( 'cldc_not_logged_in', 'log in to WordPress to use Cloudinary', array( 'status' => 401 ) );
	}
	if ( ! current_user_can( 'edit_posts' ) ) {
		return new WP_Error( 'cldc_no_role', 'your WordPress role has no Cloudinary access (it needs at least the Edit posts capability)', array( 'status' => 403 ) );
	}
	return true;
}

/** POST token. */
function cldc_rest_token() {
	$t = cldc_mint_token( wp_get_current_user(), time() );
	if ( is_wp_error( $t ) ) {
		return $t;
	}
	$r = rest_ensure_response( $t );
	$r->header( 'Cache-Control', 'no-store' );
	return $r;
}

/**
 * The current user's part of the host storage.
 *
 * @param int $user_id User.
 */
function cldc_user_storage( $user_id ) {
	$v = get_user_meta( $user_id, CLDC_USER_META, true );
	return is_array( $v ) ? array_filter( $v, 'is_string' ) : array();
}

/**
 * POST storage.
 *
 * @param WP_REST_Request $req Request.
 */
function cldc_rest_storage( $req ) {
	$key   = (string) $req['key'];
	$value = isset( $req['value'] ) ? $req['value'] : null;
	if ( ! preg_match( '/^[a-z0-9][a-z0-9:_.-]{0,63}$/', $key ) ) {
		return new WP_Error( 'cldc_bad_key', sprintf( 'storage key "%s" is not one the plugin uses (a-z, 0-9, ":", "_", ".", "-", at most 64)', substr( $key, 0, 64 ) ), array( 'status' => 400 ) );
	}
	if ( is_string( $value ) && strlen( $value ) > CLDC_MAX_VALUE ) {
		return new WP_Error( 'cldc_too_large', sprintf( 'the value of "%s" is %d bytes; at most %d are stored', $key, strlen( $value ), CLDC_MAX_VALUE ), array( 'status' => 413 ) );
	}
	if ( 'settings' === $key ) {
		return cldc_store_plugin_settings( $value );
	}
	$uid = get_current_user_id();
	$all = cldc_user_storage( $uid );
	if ( null === $value ) {
		unset( $all[ $key ] );
	} else {
		$all[ $key ] = $value;
	}
	$size = strlen( serialize( $all ) ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions
	if ( $size > CLDC_MAX_USER_STORAGE ) {
		return new WP_Error( 'cldc_too_large', sprintf( 'your Cloudinary data would take %d bytes; at most %d are kept per user', $size, CLDC_MAX_USER_STORAGE ), array( 'status' => 413 ) );
	}
	if ( $all ) {
		update_user_meta( $uid, CLDC_USER_META, $all );
	} else {
		delete_user_meta( $uid, CLDC_USER_META );
	}
	return array( 'stored' => $key );
}

/**
 * The plugin's `settings` record, written back onto the settings option (administrators only).
 *
 * @param string|null $value The record's JSON.
 */
function cldc_store_plugin_settings( $value ) {
	if ( ! current_user_can( 'manage_options' ) ) {
		return new WP_Error( 'cldc_forbidden', 'only administrators change the Cloudinary settings (Settings > Cloudinary)', array( 'status' => 403 ) );
	}
	if ( null === $value ) {
		return new WP_Error( 'cldc_forbidden', 'the Cloudinary settings are removed by deleting the plugin, not from the editor', array( 'status' => 400 ) );
	}
	if ( cldc_settings_from_newer_version() ) {
		return new WP_Error( 'cldc_newer', 'the Cloudinary settings were written by a newer version of the plugin: this one does not change them', array( 'status' => 409 ) );
	}
	$rec = json_decode( $value, true );
	if ( ! is_array( $rec ) || ! isset( $rec['settings'] ) || ! is_array( $rec['settings'] ) ) {
		return new WP_Error( 'cldc_bad_record', 'the settings record is not {"writtenBy", "settings"} JSON', array( 'status' => 400 ) );
	}
	$p    = $rec['settings'];
	$next = cldc_settings();
	$next['cloud_name']             = isset( $p['cloudName'] ) ? $p['cloudName'] : $next['cloud_name'];
	$next['default_transformation'] = isset( $p['delivery']['defaultTransformation'] ) ? $p['delivery']['defaultTransformation'] : $next['default_transformation'];
	$next['shortcut']               = isset( $p['ui']['shortcut'] ) ? (bool) $p['ui']['shortcut'] : $next['shortcut'];
	$errors                         = array();
	$clean                          = cldc_validate_settings( $next, $errors );
	if ( $errors ) {
		return new WP_Error( 'cldc_invalid', implode( '; ', $errors ), array( 'status' => 422 ) );
	}
	$clean['writtenBy'] = CLDC_VERSION;
	update_option( CLDC_OPTION, $clean );
	return array( 'stored' => 'settings' );
}

/**
 * POST keep-data.
 *
 * @param WP_REST_Request $req Request.
 */
function cldc_rest_keep_data( $req ) {
	// Only this one field of the stored record changes, whatever else it holds (a newer
	// version's fields, or values this version cannot read).
	$raw = get_option( CLDC_OPTION, array() );
	if ( ! is_array( $raw ) ) {
		return new WP_Error( 'cldc_unreadable', 'the stored Cloudinary settings cannot be read; save Settings > Cloudinary first', array( 'status' => 409 ) );
	}
	$raw['keep_data'] = (bool) $req['keep'];
	update_option( CLDC_OPTION, $raw );
	return array( 'keep_data' => $raw['keep_data'] );
}

/** Whether the stored settings were written by a newer version (then this one writes none). */
function cldc_settings_from_newer_version() {
	$raw = get_option( CLDC_OPTION, null );
	return is_array( $raw ) && isset( $raw['writtenBy'] ) && is_string( $raw['writtenBy'] ) && version_compare( $raw['writtenBy'], CLDC_VERSION, '>' );
}
