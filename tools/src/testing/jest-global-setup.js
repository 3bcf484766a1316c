module.exports = require('./redis-server').setup;
