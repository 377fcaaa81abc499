// SPDX-License-Identifier: MIT
// Mints Uniswap V3 liquidity on the devnet: calls pool.mint and pays what the pool asks for in
// the mint callback, from this contract's own token balances (fund it first).
pragma solidity ^0.8.20;

interface IUniswapV3PoolMin {
    function token0() external view returns (address);
    function token1() external view returns (address);
    function mint(address recipient, int24 tickLower, int24 tickUpper, uint128 amount, bytes calldata data)
        external
        returns (uint256 amount0, uint256 amount1);
}

interface IERC20Transfer {
    function transfer(address, uint256) external returns (bool);
}

contract V3LiquidityHelper {
    function mint(address pool, int24 tickLower, int24 tickUpper, uint128 liquidity)
        external
        returns (uint256 amount0, uint256 amount1)
    {
        return IUniswapV3PoolMin(pool).mint(address(this), tickLower, tickUpper, liquidity, abi.encode(pool));
    }

    function uniswapV3MintCallback(uint256 amount0Owed, uint256 amount1Owed, bytes calldata data) external {
        address pool = abi.decode(data, (address));
        require(msg.sender == pool, "V3LiquidityHelper: not the pool");
        if (amount0Owed > 0) require(IERC20Transfer(IUniswapV3PoolMin(pool).token0()).transfer(pool, amount0Owed));
        if (amount1Owed > 0) require(IERC20Transfer(IUniswapV3PoolMin(pool).token1()).transfer(pool, amount1Owed));
    }
}
