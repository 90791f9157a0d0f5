<?php
/**
 * The block editor: enqueues the adapter script (assets/editor.js) with what it needs to build
 * the host object (platform, environment, signer URL, widget script overrides, the plugin's
 * storage), adds `srcset`/`sizes` to Cloudinary images on the public page, and the admin
 * script of the settings page and the deactivation prompt.
 *
 * @package CloudinaryConnector
 */

defined( 'ABSPATH' ) || exit;

/** Whether the editor integration may run (settings readable and not from a newer version). */
function cldc_editor_enabled() {
	list( $s, $why ) = cldc_settings_checked();
	return '' === $why && version_compare( $s['writtenBy'], CLDC_VERSION, '<=' );
}

/** The host object's data for the current user (docs/host-api.md §2). */
function cldc_host_config() {
	$s       = cldc_settings();
	$storage = cldc_user_storage( get_current_user_id() );
	if ( ! isset( $storage['ui-state'] ) ) {
		$storage['ui-state'] = '{"open":true}'; // The sidebar is the panel: open it there.
	}
	$storage['settings'] = cldc_plugin_record( $s );
	$manifest            = file_get_contents( __DIR__ . '/../pkg/pkg.json' );
	return array(
		'version'     => CLDC_VERSION,
		'pkgUrl'      => plugins_url( 'pkg/cloudinary_connector.js', CLDC_FILE ) . '?ver=' . rawurlencode( CLDC_VERSION ),
		'manifest'    => false === $manifest ? null : $manifest,
		'platform'    => array(
			'name'    => 'WordPress',
			'version' => get_bloginfo( 'version' ),
		),
		'environment' => $s['environment'],
		'signerUrl'   => '' === $s['signer_url'] ? null : $s['signer_url'],
		'scripts'     => (object) array_filter( $s['scripts'] ),
		'storage'     => (object) $storage,
		'namespace'   => CLDC_NS,
		'restUrl'     => rest_url(),
		'nonce'       => wp_create_nonce( 'wp_rest' ),
		'canManage'   => current_user_can( 'manage_options' ),
		'settingsUrl' => admin_url( 'options-general.php?page=' . CLDC_PAGE ),
	);
}

/** enqueue_block_editor_assets. */
function cldc_enqueue_editor() {
	if ( ! current_user_can( 'edit_posts' ) || ! cldc_editor_enabled() ) {
		return;
	}
	// The post editor only: the widgets editor and the Customizer also fire this hook, without
	// the edit-post sidebar the adapter uses.
	$screen = function_exists( 'get_current_screen' ) ? get_current_screen() : null;
	if ( ! $screen || 'post' !== $screen->base ) {
		return;
	}
	wp_enqueue_script(
		'cloudinary-connector-editor',
		plugins_url( 'assets/editor.js', CLDC_FILE ),
		array( 'wp-plugins', 'wp-edit-post', 'wp-element', 'wp-components', 'wp-data', 'wp-blocks', 'wp-block-editor', 'wp-hooks', 'wp-compose', 'wp-api-fetch', 'wp-notices' ),
		CLDC_VERSION,
		true
	);
	wp_add_inline_script( 'cloudinary-connector-editor', 'window.cloudinaryConnectorWp = ' . wp_json_encode( cldc_host_config() ) . ';', 'before' );
	wp_enqueue_style( 'cloudinary-connector-editor', plugins_url( 'assets/editor.css', CLDC_FILE ), array(), CLDC_VERSION );
}

/** The settings page's signer check and the deactivation prompt on Plugins. */
function cldc_enqueue_admin( $hook ) {
	if ( ! current_user_can( 'manage_options' ) ) {
		return;
	}
	if ( 'settings_page_' . CLDC_PAGE !== $hook && 'plugins.php' !== $hook ) {
		return;
	}
	wp_enqueue_script( 'cloudinary-connector-admin', plugins_url( 'assets/admin.js', CLDC_FILE ), array( 'wp-api-fetch' ), CLDC_VERSION, true );
	$s = cldc_settings();
	wp_add_inline_script(
		'cloudinary-connector-admin',
		'window.cloudinaryConnectorAdmin = ' . wp_json_encode(
			array(
				'page'      => 'plugins.php' === $hook ? 'plugins' : 'settings',
				'pkgUrl'    => plugins_url( 'pkg/cloudinary_connector.js', CLDC_FILE ) . '?ver=' . rawurlencode( CLDC_VERSION ),
				'signerUrl' => $s['signer_url'],
				'accounts'  => $s['accounts'],
				'keepData'  => $s['keep_data'],
				'plugin'    => plugin_basename( CLDC_FILE ),
				'namespace' => CLDC_NS,
			)
		) . ';',
		'before'
	);
	wp_enqueue_style( 'cloudinary-connector-admin', plugins_url( 'assets/admin.css', CLDC_FILE ), array(), CLDC_VERSION );
}

/**
 * The public page of an image inserted from Cloudinary: its saved markup is a plain core/image
 * (full delivery URL, valid without the plugin); while the plugin is active the srcset and sizes
 * the URL engine built at insertion (block attributes cldSrcset/cldSizes) are added.
 *
 * @param string $html  Rendered block.
 * @param array  $block Parsed block.
 */
function cldc_render_image_block( $html, $block ) {
	$a = isset( $block['attrs'] ) ? $block['attrs'] : array();
	if ( empty( $a['cldSrcset'] ) || ! is_string( $a['cldSrcset'] ) || ! class_exists( 'WP_HTML_Tag_Processor' ) ) {
		return $html;
	}
	foreach ( explode( ', ', $a['cldSrcset'] ) as $item ) {
		if ( ! preg_match( '#^https://\S+ \d+w$#', $item ) ) {
			return $html; // Not what the plugin writes: leave the image as saved.
		}
	}
	$p = new WP_HTML_Tag_Processor( $html );
	if ( $p->next_tag( 'img' ) && null === $p->get_attribute( 'srcset' ) ) {
		$p->set_attribute( 'srcset', $a['cldSrcset'] );
		if ( ! empty( $a['cldSizes'] ) && is_string( $a['cldSizes'] ) ) {
			$p->set_attribute( 'sizes', $a['cldSizes'] );
		}
		return $p->get_updated_html();
	}
	return $html;
}

/**
 * The Cloudinary Video block on the public page: Cloudinary's embed player (the URL the plugin
 * built in the editor) while the plugin is active; the saved HTML5 video otherwise.
 *
 * @param string $html  Rendered block.
 * @param array  $block Parsed block.
 */
function cldc_render_video_block( $html, $block ) {
	$a     = isset( $block['attrs'] ) ? $block['attrs'] : array();
	$embed = isset( $a['embedUrl'] ) && is_string( $a['embedUrl'] ) ? $a['embedUrl'] : '';
	if ( 0 !== strpos( $embed, 'https://player.cloudinary.com/embed/?' ) ) {
		return $html;
	}
	$title = isset( $a['reference']['public_id'] ) && is_string( $a['reference']['public_id'] ) ? $a['reference']['public_id'] : 'video';
	return sprintf(
		'<figure class="wp-block-cloudinary-connector-video"><iframe src="%s" title="%s" width="640" height="360" allow="autoplay; fullscreen; encrypted-media; picture-in-picture" allowfullscreen style="border:0;max-width:100%%"></iframe></figure>',
		esc_url( $embed ),
		esc_attr( $title )
	);
}
