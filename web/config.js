// Where the Onsale API lives. The local stack serves its own config.js naming its API;
// deployments overwrite this file with the deployed API's URL.
window.ONSALE_CONFIG = { apiUrl: "http://127.0.0.1:8000" };
