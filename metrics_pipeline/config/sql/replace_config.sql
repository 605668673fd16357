-- The config tables mirror the YAML file exactly: empty them, then the caller COPYs the file's rows in.
-- Children first because of the foreign keys.
delete from config.amazon_asin_skus;
delete from config.amazon_brands;
delete from config.affiliate_tracking_prefixes;
delete from config.attribution_settings;
delete from config.connection_account_clients;
delete from config.connections;
delete from config.fx_rates;
delete from config.media_partner_cpm_rates;
delete from config.clients;
delete from config.workspaces;
