// SPDX-License-Identifier: MIT
// Funds many devnet wallets in one transaction: each gets its token amount (a real Transfer
// event, from the sender) and its ETH. The sender approves this contract for the token total
// and sends the ETH total as the call's value.
pragma solidity ^0.8.20;

interface IERC20From {
    function transferFrom(address, address, uint256) external returns (bool);
}

contract Distributor {
    function distribute(address token, address[] calldata to, uint256[] calldata tokens, uint256[] calldata wei_)
        external
        payable
    {
        require(to.length == tokens.length && to.length == wei_.length, "Distributor: lengths");
        uint256 spent;
        for (uint256 i = 0; i < to.length; i++) {
            if (tokens[i] > 0) require(IERC20From(token).transferFrom(msg.sender, to[i], tokens[i]));
            if (wei_[i] > 0) {
                spent += wei_[i];
                (bool ok,) = payable(to[i]).call{value: wei_[i]}("");
                require(ok, "Distributor: eth");
            }
        }
        require(spent == msg.value, "Distributor: value");
    }
}
