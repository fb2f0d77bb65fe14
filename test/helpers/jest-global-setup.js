module.exports = require('./jest-run-dir').setup;
