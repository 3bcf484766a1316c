module.exports = require('./redis-server').teardown;
