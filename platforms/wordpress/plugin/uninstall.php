<?php
/**
 * Runs when an administrator deletes Cloudinary Connector (Plugins > Delete). Removes every
 * option, transient, user meta and scheduled event the plugin created, unless the administrator
 * chose to keep the data (Settings > Cloudinary, or the prompt when deactivating): then the
 * settings and the users' account choices stay for a later install, and only the transients go.
 *
 * Content is never touched: posts keep their full Cloudinary delivery URLs and render as before.
 *
 * @package CloudinaryConnector
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

foreach ( array( 'cldc_notice_updated', 'cldc_notice_downgrade' ) as $cldc_transient ) {
	delete_transient( $cldc_transient );
}

$cldc_settings = get_option( 'cloudinary_connector_settings', null );
$cldc_keep     = is_array( $cldc_settings ) && ! empty( $cldc_settings['keep_data'] );
if ( ! $cldc_keep ) {
	delete_option( 'cloudinary_connector_settings' );
	delete_metadata( 'user', 0, 'cldc_storage', '', true );
	delete_metadata( 'user', 0, 'cldc_ml_username', '', true );
}
