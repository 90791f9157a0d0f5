<?php
/**
 * Plugin Name:       Cloudinary Connector
 * Plugin URI:        https://github.com/cloudinary-connector/cloudinary-connector
 * Description:       Cloudinary's Media Library, Upload widget, Product Gallery and Video Player in the block editor, with delivery URLs built like Cloudinary's SDKs (f_auto,q_auto, responsive srcset). No Cloudinary secret enters WordPress: signatures come from your cld-signer.
 * Version:           0.1.0
 * Requires at least: 6.3
 * Requires PHP:      7.4
 * Author:            Cloudinary Connector contributors
 * License:           MIT
 * Text Domain:       cloudinary-connector
 *
 * The WordPress adapter of cloudinary-connector (platforms/wordpress/ in the repository): this PHP
 * shell owns the WordPress side (settings, capabilities, the signer token, lifecycle), and the
 * block-editor script loads the same WebAssembly package every other host loads and implements
 * the host object of docs/host-api.md on WordPress.
 *
 * @package CloudinaryConnector
 */

defined( 'ABSPATH' ) || exit;

/** The plugin version: the one version source is the workspace Cargo.toml (checked in CI). */
const CLDC_VERSION = '0.1.0';
/** The oldest WordPress and PHP this release supports (refused at activation otherwise). */
const CLDC_MIN_WP  = '6.3';
const CLDC_MIN_PHP = '7.4';
const CLDC_FILE    = __FILE__;

require_once __DIR__ . '/includes/settings.php';
require_once __DIR__ . '/includes/token.php';
require_once __DIR__ . '/includes/rest.php';
require_once __DIR__ . '/includes/editor.php';
require_once __DIR__ . '/includes/lifecycle.php';

register_activation_hook( __FILE__, 'cldc_activate' );
register_deactivation_hook( __FILE__, 'cldc_deactivate' );

add_action( 'plugins_loaded', 'cldc_maybe_migrate' );
add_action( 'admin_menu', 'cldc_admin_menu' );
add_action( 'admin_init', 'cldc_register_settings' );
add_action( 'admin_notices', 'cldc_admin_notices' );
add_action( 'show_user_profile', 'cldc_ml_username_field' );
add_action( 'edit_user_profile', 'cldc_ml_username_field' );
add_action( 'personal_options_update', 'cldc_ml_username_save' );
add_action( 'edit_user_profile_update', 'cldc_ml_username_save' );
add_action( 'rest_api_init', 'cldc_register_rest_routes' );
add_action( 'enqueue_block_editor_assets', 'cldc_enqueue_editor' );
add_action( 'admin_enqueue_scripts', 'cldc_enqueue_admin' );
add_filter( 'render_block_core/image', 'cldc_render_image_block', 10, 2 );
add_filter( 'render_block_cloudinary-connector/video', 'cldc_render_video_block', 10, 2 );
add_filter( 'plugin_action_links_' . plugin_basename( __FILE__ ), 'cldc_action_links' );
add_filter( 'plugin_row_meta', 'cldc_row_meta', 10, 2 );
