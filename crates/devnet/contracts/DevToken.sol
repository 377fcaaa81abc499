// SPDX-License-Identifier: MIT
// An ERC-20 used as the POP stand-in on the devnet: name, symbol, decimals and supply are set
// at deployment; the whole supply goes to the deployer. Plain by default. For tests of the sell
// check it can also take a fee on every transfer (`feeBps`, kept by the deployer) and be paused
// by the deployer: the tokens a holder cannot sell, or sells at a loss. `burn` destroys a
// holder's tokens (totalSupply shrinks); a plain transfer to 0x0 keeps them in totalSupply (as
// tokens of POP's era did), so a holders test meets both kinds of burn.
pragma solidity ^0.8.20;

contract DevToken {
    string public name;
    string public symbol;
    uint8 public immutable decimals;
    uint256 public totalSupply;

    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    address public immutable owner;
    uint256 public immutable feeBps;
    bool public paused;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(string memory name_, string memory symbol_, uint8 decimals_, uint256 supply_, uint256 feeBps_) {
        require(feeBps_ <= 10_000, "DevToken: fee");
        owner = msg.sender;
        feeBps = feeBps_;
        name = name_;
        symbol = symbol_;
        decimals = decimals_;
        totalSupply = supply_;
        balanceOf[msg.sender] = supply_;
        emit Transfer(address(0), msg.sender, supply_);
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            require(allowed >= value, "DevToken: allowance");
            allowance[from][msg.sender] = allowed - value;
        }
        _transfer(from, to, value);
        return true;
    }

    function burn(uint256 value) external {
        require(balanceOf[msg.sender] >= value, "DevToken: balance");
        balanceOf[msg.sender] -= value;
        totalSupply -= value;
        emit Transfer(msg.sender, address(0), value);
    }

    function setPaused(bool paused_) external {
        require(msg.sender == owner, "DevToken: not owner");
        paused = paused_;
    }

    function _transfer(address from, address to, uint256 value) internal {
        require(!paused, "DevToken: paused");
        require(balanceOf[from] >= value, "DevToken: balance");
        balanceOf[from] -= value;
        // The owner's own transfers (set-up, distribution) are free of the fee.
        uint256 fee = (from == owner || to == owner) ? 0 : value * feeBps / 10_000;
        balanceOf[to] += value - fee;
        emit Transfer(from, to, value - fee);
        if (fee > 0) {
            balanceOf[owner] += fee;
            emit Transfer(from, owner, fee);
        }
    }
}
