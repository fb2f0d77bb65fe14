module.exports = require('./jest-run-dir').teardown;
