// Hardhat's node for `make test-hardhat`: chain id 31337 and Cancun like anvil; blocks may share a timestamp (anvil allows it, and the tests move the clock exactly).
module.exports = { networks: { hardhat: { chainId: 31337, hardfork: "cancun", allowBlocksWithSameTimestamp: true } } };
